using CollabEditor.Core.Customers;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;
using CollabEditor.Data.Customers;
using CollabEditor.Data.History;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Presence;
using CollabEditor.Data.Products;
using CollabEditor.Data.Users;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace CollabEditor.Data;

/// <summary>The application's database: Identity's tables and the editable records.</summary>
public sealed class CollabDbContext(DbContextOptions<CollabDbContext> options) : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    public DbSet<Product> Products => Set<Product>();

    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<PresenceEntry> Presence => Set<PresenceEntry>();

    public DbSet<LeaseRow> Leases => Set<LeaseRow>();

    public DbSet<Order> Orders => Set<Order>();

    public DbSet<Drafts.Draft> Drafts => Set<Drafts.Draft>();

    public DbSet<OrderLineRow> OrderLines => Set<OrderLineRow>();

    public DbSet<LeaseAuditEntry> LeaseAudit => Set<LeaseAuditEntry>();

    public DbSet<HistoryEntry> RecordHistory => Set<HistoryEntry>();

    /// <summary>The data-protection key ring, shared by every instance (sign-in cookies, antiforgery).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // Trigram indexes for the lists' substring search; a trusted extension since PostgreSQL 13,
        // so a database owner without superuser can create it too.
        builder.HasPostgresExtension("pg_trgm");

        builder.Entity<AppUser>().Property(u => u.DisplayName).HasMaxLength(AppUser.DisplayNameMaxLength).IsRequired();
        builder.Entity<AppUser>().Property(u => u.TimeZone).HasMaxLength(AppUser.TimeZoneMaxLength);

        // snake_case names: the atomic statements in ProductSql are written by hand.
        builder.Entity<Product>(p =>
        {
            p.ToTable("products", t =>
            {
                t.HasCheckConstraint("ck_products_price", "price >= 0");
                t.HasCheckConstraint("ck_products_stock", "stock >= 0");
                t.HasCheckConstraint("ck_products_version", "version >= 1");
            });
            p.HasKey(x => x.Id);
            p.Property(x => x.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            p.Property(x => x.Sku).HasColumnName("sku").HasMaxLength(ProductRules.SkuMaxLength).IsRequired();
            p.HasIndex(x => x.Sku).IsUnique().HasDatabaseName("ux_products_sku");
            p.Property(x => x.Name).HasColumnName("name").HasMaxLength(ProductRules.NameMaxLength).IsRequired();
            p.Property(x => x.Description).HasColumnName("description").HasMaxLength(ProductRules.DescriptionMaxLength).IsRequired();
            p.Property(x => x.Price).HasColumnName("price").HasPrecision(12, 2);
            p.Property(x => x.Stock).HasColumnName("stock");
            p.Property(x => x.RequiresCheckout).HasColumnName("requires_checkout");
            p.Property(x => x.Version).HasColumnName("version").HasDefaultValue(1);
            p.Property(x => x.LastChangedById).HasColumnName("last_changed_by_id").HasMaxLength(450);
            p.Property(x => x.LastChangedBy).HasColumnName("last_changed_by").HasMaxLength(100).IsRequired();
            p.Property(x => x.LastChangedAt).HasColumnName("last_changed_at").HasDefaultValueSql("now()");
            p.Property(x => x.LastSaveId).HasColumnName("last_save_id");
            p.HasIndex(x => x.Name).HasDatabaseName("ix_products_name");

            // The list at 10^6 rows (issue 14): substring search through trigram indexes, and one
            // (column, id) index per sort, read forwards or backwards.
            p.HasIndex(x => x.Sku, "ix_products_sku_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
            p.HasIndex(x => x.Name, "ix_products_name_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
            p.HasIndex(x => new { x.Price, x.Id }).HasDatabaseName("ix_products_price_id");
            p.HasIndex(x => new { x.Stock, x.Id }).HasDatabaseName("ix_products_stock_id");
            p.HasIndex(x => new { x.Version, x.Id }).HasDatabaseName("ix_products_version_id");
            p.HasIndex(x => new { x.LastChangedAt, x.Id }).HasDatabaseName("ix_products_last_changed_at_id");
            p.HasIndex(x => new { x.LastChangedBy, x.Id }).HasDatabaseName("ix_products_last_changed_by_id");
        });

        builder.Entity<Customer>(c =>
        {
            c.ToTable("customers", t => t.HasCheckConstraint("ck_customers_version", "version >= 1"));
            c.HasKey(x => x.Id);
            c.Property(x => x.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            c.Property(x => x.Name).HasColumnName("name").HasMaxLength(CustomerRules.NameMaxLength).IsRequired();
            c.Property(x => x.Email).HasColumnName("email").HasMaxLength(CustomerRules.EmailMaxLength).IsRequired();
            c.Property(x => x.Phone).HasColumnName("phone").HasMaxLength(CustomerRules.PhoneMaxLength).IsRequired();
            c.Property(x => x.Address).HasColumnName("address").HasMaxLength(CustomerRules.AddressMaxLength).IsRequired();
            c.Property(x => x.Notes).HasColumnName("notes").HasMaxLength(CustomerRules.NotesMaxLength).IsRequired();
            c.Property(x => x.Version).HasColumnName("version").HasDefaultValue(1);
            c.Property(x => x.LastChangedById).HasColumnName("last_changed_by_id").HasMaxLength(450);
            c.Property(x => x.LastChangedBy).HasColumnName("last_changed_by").HasMaxLength(100).IsRequired();
            c.Property(x => x.LastChangedAt).HasColumnName("last_changed_at").HasDefaultValueSql("now()");
            c.Property(x => x.LastSaveId).HasColumnName("last_save_id");
            // A retried create recognizes its own row by its save id (customers have no other unique value).
            c.HasIndex(x => x.LastSaveId).IsUnique().HasDatabaseName("ux_customers_last_save_id");
            c.HasIndex(x => x.Name, "ix_customers_name_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
            c.HasIndex(x => x.Email, "ix_customers_email_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
            c.HasIndex(x => new { x.Name, x.Id }).HasDatabaseName("ix_customers_name_id");
            c.HasIndex(x => new { x.Email, x.Id }).HasDatabaseName("ix_customers_email_id");
            c.HasIndex(x => new { x.Version, x.Id }).HasDatabaseName("ix_customers_version_id");
            c.HasIndex(x => new { x.LastChangedAt, x.Id }).HasDatabaseName("ix_customers_last_changed_at_id");
            c.HasIndex(x => new { x.LastChangedBy, x.Id }).HasDatabaseName("ix_customers_last_changed_by_id");
        });

        builder.Entity<PresenceEntry>(p =>
        {
            p.ToTable("presence");
            p.HasKey(x => x.Id);
            p.Property(x => x.Id).HasColumnName("id");
            p.Property(x => x.ResourceKey).HasColumnName("resource_key").HasMaxLength(100).IsRequired();
            p.Property(x => x.UserId).HasColumnName("user_id").HasMaxLength(450).IsRequired();
            p.Property(x => x.DisplayName).HasColumnName("display_name").HasMaxLength(100).IsRequired();
            p.Property(x => x.SeenAt).HasColumnName("seen_at").HasDefaultValueSql("now()");
            p.Property(x => x.Field).HasColumnName("field");
            p.Property(x => x.Changing).HasColumnName("changing").HasDefaultValueSql("'{}'");
            p.Property(x => x.ChangedAt).HasColumnName("changed_at");
            p.HasIndex(x => x.ResourceKey).HasDatabaseName("ix_presence_resource_key");
        });

        builder.Entity<Drafts.Draft>(d =>
        {
            d.ToTable("drafts");
            d.HasKey(x => new { x.UserId, x.ResourceKey });
            d.Property(x => x.UserId).HasColumnName("user_id").HasMaxLength(450);
            d.Property(x => x.ResourceKey).HasColumnName("resource_key").HasMaxLength(100);
            d.Property(x => x.BaseVersion).HasColumnName("base_version");
            d.Property(x => x.Data).HasColumnName("data").HasColumnType("jsonb");
            d.Property(x => x.MergeBase).HasColumnName("merge_base").HasColumnType("jsonb");
            d.Property(x => x.SavedAt).HasColumnName("saved_at").HasDefaultValueSql("now()");
        });

        builder.HasSequence<long>("order_number").StartsAt(10001);
        builder.Entity<Order>(o =>
        {
            o.ToTable("orders", t =>
            {
                t.HasCheckConstraint("ck_orders_version", "version >= 1");
                t.HasCheckConstraint("ck_orders_status", "status IN ('Draft', 'Submitted', 'Fulfilled', 'Cancelled')");
            });
            o.HasKey(x => x.Id);
            o.Property(x => x.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            o.Property(x => x.Number).HasColumnName("number").HasMaxLength(20).HasDefaultValueSql("'SO-' || nextval('order_number')");
            o.HasIndex(x => x.Number).IsUnique().HasDatabaseName("ux_orders_number");
            // An optional link; the name is a copy (as lines copy product names), so an order keeps it when the customer goes.
            o.Property(x => x.CustomerId).HasColumnName("customer_id");
            o.HasOne<Customer>().WithMany().HasForeignKey(x => x.CustomerId).OnDelete(DeleteBehavior.SetNull).HasConstraintName("fk_orders_customer");
            o.HasIndex(x => x.CustomerId).HasDatabaseName("ix_orders_customer_id");
            o.Property(x => x.CustomerName).HasColumnName("customer_name").HasMaxLength(OrderRules.CustomerMaxLength).IsRequired();
            o.Property(x => x.Status).HasColumnName("status").HasConversion<string>().HasMaxLength(20);
            o.Property(x => x.Notes).HasColumnName("notes").HasMaxLength(OrderRules.NotesMaxLength).IsRequired();
            o.Property(x => x.Version).HasColumnName("version").HasDefaultValue(1);
            o.Property(x => x.LastChangedById).HasColumnName("last_changed_by_id").HasMaxLength(450);
            o.Property(x => x.LastChangedBy).HasColumnName("last_changed_by").HasMaxLength(100).IsRequired();
            o.Property(x => x.LastChangedAt).HasColumnName("last_changed_at").HasDefaultValueSql("now()");
            o.Property(x => x.LastSaveId).HasColumnName("last_save_id");
            o.Property(x => x.LineCount).HasColumnName("line_count");
            o.Property(x => x.Total).HasColumnName("total").HasPrecision(30, 2); // up to 2,000 lines of 1,000,000 × 1,000,000,000: ~2e18
            o.HasMany(x => x.Lines).WithOne().HasForeignKey(l => l.OrderId).OnDelete(DeleteBehavior.Cascade);

            o.HasIndex(x => x.Number, "ix_orders_number_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
            o.HasIndex(x => x.CustomerName, "ix_orders_customer_name_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
            o.HasIndex(x => new { x.CustomerName, x.Id }).HasDatabaseName("ix_orders_customer_name_id");
            o.HasIndex(x => new { x.Status, x.Id }).HasDatabaseName("ix_orders_status_id");
            o.HasIndex(x => new { x.Version, x.Id }).HasDatabaseName("ix_orders_version_id");
            o.HasIndex(x => new { x.LastChangedAt, x.Id }).HasDatabaseName("ix_orders_last_changed_at_id");
            o.HasIndex(x => new { x.Total, x.Id }).HasDatabaseName("ix_orders_total_id");
            o.HasIndex(x => new { x.LineCount, x.Id }).HasDatabaseName("ix_orders_line_count_id");
            o.HasIndex(x => new { x.LastChangedBy, x.Id }).HasDatabaseName("ix_orders_last_changed_by_id");
        });

        builder.Entity<OrderLineRow>(l =>
        {
            l.ToTable("order_lines", t =>
            {
                t.HasCheckConstraint("ck_order_lines_quantity", "quantity > 0");
                t.HasCheckConstraint("ck_order_lines_unit_price", "unit_price >= 0");
            });
            l.HasKey(x => x.Id);
            l.Property(x => x.Id).HasColumnName("id").ValueGeneratedNever();
            l.Property(x => x.OrderId).HasColumnName("order_id");
            l.Property(x => x.Position).HasColumnName("position");
            // A copy of the product as it was when the line was added; no foreign key, so products stay their own aggregate.
            l.Property(x => x.ProductId).HasColumnName("product_id");
            l.Property(x => x.Sku).HasColumnName("sku").HasMaxLength(ProductRules.SkuMaxLength).IsRequired();
            l.Property(x => x.ProductName).HasColumnName("product_name").HasMaxLength(ProductRules.NameMaxLength).IsRequired();
            l.Property(x => x.Quantity).HasColumnName("quantity");
            l.Property(x => x.UnitPrice).HasColumnName("unit_price").HasPrecision(12, 2);
            l.HasIndex(x => new { x.OrderId, x.Position }).HasDatabaseName("ix_order_lines_order_position");
        });

        builder.HasSequence<long>("lease_fencing");
        builder.Entity<LeaseRow>(l =>
        {
            l.ToTable("leases");
            l.HasKey(x => x.ResourceKey);
            l.Property(x => x.ResourceKey).HasColumnName("resource_key").HasMaxLength(100);
            l.Property(x => x.HolderUserId).HasColumnName("holder_user_id").HasMaxLength(450).IsRequired();
            l.Property(x => x.HolderName).HasColumnName("holder_name").HasMaxLength(100).IsRequired();
            l.Property(x => x.HolderSession).HasColumnName("holder_session").HasMaxLength(100).IsRequired();
            l.Property(x => x.Token).HasColumnName("token");
            l.Property(x => x.Fencing).HasColumnName("fencing");
            l.Property(x => x.AcquiredAt).HasColumnName("acquired_at");
            l.Property(x => x.RenewedAt).HasColumnName("renewed_at");
            l.Property(x => x.ExpiresAt).HasColumnName("expires_at");
            l.HasIndex(x => x.ExpiresAt).HasDatabaseName("ix_leases_expires_at");
        });

        builder.Entity<LeaseAuditEntry>(a =>
        {
            a.ToTable("lease_audit");
            a.HasKey(x => x.Id);
            a.Property(x => x.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            a.Property(x => x.At).HasColumnName("at").HasDefaultValueSql("now()");
            a.Property(x => x.ResourceKey).HasColumnName("resource_key").HasMaxLength(100).IsRequired();
            a.Property(x => x.Action).HasColumnName("action").HasMaxLength(30).IsRequired();
            a.Property(x => x.UserId).HasColumnName("user_id").HasMaxLength(450);
            a.Property(x => x.UserName).HasColumnName("user_name").HasMaxLength(100).IsRequired();
            a.Property(x => x.HolderName).HasColumnName("holder_name").HasMaxLength(100).IsRequired();
            a.Property(x => x.Fencing).HasColumnName("fencing");
            a.Property(x => x.Reason).HasColumnName("reason").HasMaxLength(LeaseOptions.ReasonMaxLength);
            a.HasIndex(x => new { x.ResourceKey, x.At }).HasDatabaseName("ix_lease_audit_resource_at");
            a.HasIndex(x => x.At).HasDatabaseName("ix_lease_audit_at");
        });

        // Written only by the history triggers (see the History migration), read by HistoryStore.
        builder.Entity<HistoryEntry>(h =>
        {
            h.ToTable("record_history");
            h.HasKey(x => x.Id);
            h.Property(x => x.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            h.Property(x => x.ResourceKey).HasColumnName("resource_key").HasMaxLength(100).IsRequired();
            h.Property(x => x.Version).HasColumnName("version");
            h.Property(x => x.Data).HasColumnName("data").HasColumnType("jsonb").IsRequired();
            h.Property(x => x.ChangedBy).HasColumnName("changed_by").HasMaxLength(100).IsRequired();
            h.Property(x => x.ChangedAt).HasColumnName("changed_at").HasDefaultValueSql("now()");
            h.Property(x => x.Deleted).HasColumnName("deleted");
            h.HasIndex(x => new { x.ResourceKey, x.Id }).HasDatabaseName("ix_record_history_resource_id");
        });
    }
}

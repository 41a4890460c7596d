using CollabEditor.Core.Customers;
using CollabEditor.Core.Users;
using CollabEditor.Core.Validation;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Lists;
using CollabEditor.Data.Records;
using CollabEditor.Data.Resilience;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CollabEditor.Data.Customers;

/// <summary>
/// Reads, lists and version-checked, lease-fenced writes of customers: the products' write path
/// (<see cref="VersionedStore{TRow, TValues, TSnapshot}"/>) with the customers' statements.
/// </summary>
public sealed class CustomerStore(IDbContextFactory<CollabDbContext> dbFactory, NpgsqlDataSource dataSource, LeaseStore leases, IOptions<ListOptions> listOptions)
    : VersionedStore<Customer, CustomerValues, CustomerSnapshot>(dataSource, leases, Core.Changes.ResourceKey.Customer)
{
    private const string Columns = "id, name, email, phone, address, notes, version, last_changed_by_id, last_changed_by, last_changed_at, last_save_id";

    /// <summary>
    /// The save, fenced like a product's (the live lease share-locked in the same statement; the
    /// token must be its and the writer its holder). A customer never requires check-out.
    /// </summary>
    private const string UpdateSql = $"""
        WITH lease AS (
            SELECT token, holder_user_id FROM leases WHERE resource_key = $1 AND expires_at > now() FOR SHARE
        )
        UPDATE customers
           SET name = $2, email = $3, phone = $4, address = $5, notes = $6,
               version = version + 1,
               last_changed_by_id = $7, last_changed_by = $8, last_changed_at = now(), last_save_id = $9
         WHERE id = $10 AND version = $11
           AND (name, email, phone, address, notes) IS DISTINCT FROM ($2, $3, $4, $5, $6)
           AND CASE WHEN $12 THEN EXISTS (SELECT 1 FROM lease WHERE token = $13 AND holder_user_id = $7)
                    ELSE NOT EXISTS (SELECT 1 FROM lease) END
        RETURNING {Columns}
        """;

    /// <summary>The list's sorts, each served by one (column, id) index; the first is the default.</summary>
    public static IReadOnlyList<KeysetColumn<Customer>> SortColumns { get; } =
    [
        new KeysetColumn<Customer, string>(nameof(Customer.Name), c => c.Name, c => c.Id, Keyset.Text, Keyset.Text),
        new KeysetColumn<Customer, string>(nameof(Customer.Email), c => c.Email, c => c.Id, Keyset.Text, Keyset.Text),
        new KeysetColumn<Customer, int>(nameof(Customer.Version), c => c.Version, c => c.Id, Keyset.Number, Keyset.ParseInt),
        new KeysetColumn<Customer, DateTimeOffset>(nameof(Customer.LastChangedAt), c => c.LastChangedAt, c => c.Id, Keyset.Time, Keyset.ParseTime),
        new KeysetColumn<Customer, string>(nameof(Customer.LastChangedBy), c => c.LastChangedBy, c => c.Id, Keyset.Text, Keyset.Text),
    ];

    private static readonly RecordList<Customer> List = new("customers",
        pattern => c => EF.Functions.ILike(c.Name, pattern, "\\") || EF.Functions.ILike(c.Email, pattern, "\\"),
        "name ILIKE $1 ESCAPE '\\' OR email ILIKE $1 ESCAPE '\\'", SortColumns);

    /// <summary>One page of customers matching the search (name or email), sorted.</summary>
    public Task<CustomerPage> ListAsync(CustomerQuery query, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await ListOnceAsync(query, token), ct).AsTask();

    private async Task<CustomerPage> ListOnceAsync(CustomerQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (page, total) = await List.PageAsync(db.Customers.AsNoTracking(), DataSource, listOptions.Value.CountCap,
            query.Search, query.SortBy, query.Descending, query.Page, query.PageSize, query.Cursor, ct);
        return new CustomerPage([.. page.Items.Select(c => c.ToSnapshot())], total.Count, total.IsEstimate, page.Previous, page.Next, page.Last);
    }

    protected override string InsertSql => $"""
        INSERT INTO customers (name, email, phone, address, notes, version, last_changed_by_id, last_changed_by, last_changed_at, last_save_id)
        VALUES ($1, $2, $3, $4, $5, 1, $6, $7, now(), $8)
        RETURNING {Columns}
        """;

    protected override string MineSql => $"SELECT {Columns} FROM customers WHERE last_save_id = $1";

    protected override string CurrentSql => $"SELECT {Columns} FROM customers WHERE id = $1";

    protected override string ManySql => $"SELECT {Columns} FROM customers WHERE id = ANY($1)";

    protected override string SaveSql => UpdateSql;

    protected override string DeleteSql => """
        WITH lease AS (
            SELECT token, holder_user_id FROM leases WHERE resource_key = $1 AND expires_at > now() FOR SHARE
        )
        DELETE FROM customers
         WHERE id = $2 AND version = $3
           AND CASE WHEN $4 THEN EXISTS (SELECT 1 FROM lease WHERE token = $5 AND holder_user_id = $6)
                    ELSE NOT EXISTS (SELECT 1 FROM lease) END
           -- An order still linked here was not unlinked because someone else has it checked out.
           AND NOT EXISTS (SELECT 1 FROM orders o JOIN leases l ON l.resource_key = 'order/' || o.id
                            WHERE o.customer_id = $2 AND l.expires_at > now() AND l.holder_user_id IS DISTINCT FROM $6)
        """;

    /// <summary>
    /// The linked orders someone other than the deleter ($2) has checked out, share-locked with the
    /// orders themselves: the unlink and the delete below write nothing while any exists (DESIGN.md:
    /// while someone holds a live lease, nobody else's write succeeds), and none can be released
    /// between this look and the writes.
    /// </summary>
    private const string ForeignOrderLeasesSql = """
        SELECT o.number, l.holder_name, l.expires_at
          FROM orders o JOIN leases l ON l.resource_key = 'order/' || o.id
         WHERE o.customer_id = $1 AND l.expires_at > now() AND l.holder_user_id IS DISTINCT FROM $2
         ORDER BY o.id
        """;

    /// <summary>
    /// A deleted customer's orders are unlinked first, each as a new order version by the deleter
    /// (name kept), so the hub and the history see every version once; ON DELETE SET NULL is only a
    /// safety net that then finds nothing. Orders are locked before the customer (the order save's
    /// order: order, then customer), the customer is locked so no order can link it meanwhile, and
    /// the unlink reads afresh after that lock, catching an order linked just before it. Only a
    /// customer still at the version read is touched; the rest of the delete's checks roll it back.
    /// A linked order someone else has checked out refuses the whole delete: its lease is
    /// share-locked and checked by the unlink and the delete in this same transaction.
    /// </summary>
    private protected override IEnumerable<NpgsqlBatchCommand> BeforeDelete(string key, int id, int expectedVersion, Actor actor) =>
    [
        SqlCommands.Batch("SELECT id FROM orders WHERE customer_id = $1 ORDER BY id FOR UPDATE", id),
        SqlCommands.Batch("SELECT id FROM customers WHERE id = $1 AND version = $2 FOR UPDATE", id, expectedVersion),
        SqlCommands.Batch(ForeignOrderLeasesSql + " FOR SHARE OF l", id, actor.UserId),
        SqlCommands.Batch("""
            UPDATE orders
               SET customer_id = NULL, version = version + 1,
                   last_changed_by_id = $3, last_changed_by = $4, last_changed_at = now(), last_save_id = NULL
             WHERE customer_id = $1 AND EXISTS (SELECT 1 FROM customers WHERE id = $1 AND version = $2)
               AND NOT EXISTS (SELECT 1 FROM orders o JOIN leases l ON l.resource_key = 'order/' || o.id
                                WHERE o.customer_id = $1 AND l.expires_at > now() AND l.holder_user_id IS DISTINCT FROM $3)
            """, id, expectedVersion, actor.UserId, actor.DisplayName),
    ];

    /// <summary>Names the first linked order someone other than the deleter has checked out, and its holder.</summary>
    private protected override async Task<string?> DeleteBlockedAsync(int id, Actor actor, CancellationToken ct)
    {
        await using var cmd = SqlCommands.Command(DataSource, ForeignOrderLeasesSql + " LIMIT 1", id, actor.UserId);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Order {reader.GetString(0)} is checked out by {reader.GetString(1)} until {reader.GetFieldValue<DateTimeOffset>(2):u}; the customer can be deleted once it is checked in.")
            : null;
    }

    protected override CustomerValues Normalize(CustomerValues values) => values.Normalized();

    protected override IReadOnlyList<FieldError> Validate(CustomerValues values) => CustomerRules.Validate(values);

    protected override object?[] ValueParameters(CustomerValues values) => [values.Name, values.Email, values.Phone, values.Address, values.Notes];

    protected override object?[] MineParameters(CustomerValues values, Guid saveId) => [saveId];

    protected override Customer Read(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetInt32(0), Name = reader.GetString(1), Email = reader.GetString(2), Phone = reader.GetString(3), Address = reader.GetString(4),
        Notes = reader.GetString(5), Version = reader.GetInt32(6), LastChangedById = reader.IsDBNull(7) ? null : reader.GetString(7),
        LastChangedBy = reader.GetString(8), LastChangedAt = reader.GetFieldValue<DateTimeOffset>(9), LastSaveId = reader.IsDBNull(10) ? null : reader.GetGuid(10),
    };
}

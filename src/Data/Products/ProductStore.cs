using CollabEditor.Core.Products;
using CollabEditor.Core.Validation;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Lists;
using CollabEditor.Data.Records;
using CollabEditor.Data.Resilience;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CollabEditor.Data.Products;

/// <summary>
/// Reads and version-checked writes of products. Every write checks and bumps the version in the
/// same statement as the data (DESIGN.md "Optimistic saves"); a zero-row result is a conflict or a
/// deletion, never a silent retry.
/// </summary>
/// <remarks>
/// Lists go through EF Core; reads, creates, saves and deletes are the shared write path
/// (<see cref="VersionedStore{TRow, TValues, TSnapshot}"/>) running the statements below.
/// </remarks>
public sealed class ProductStore(IDbContextFactory<CollabDbContext> dbFactory, NpgsqlDataSource dataSource, LeaseStore leases, IOptions<ListOptions> listOptions)
    : VersionedStore<Product, ProductValues, ProductSnapshot>(dataSource, leases, "product")
{
    private const string ProductColumns = "id, sku, name, description, price, stock, requires_checkout, version, last_changed_by_id, last_changed_by, last_changed_at, last_save_id";

    private const string InsertStatement = $"""
        INSERT INTO products (sku, name, description, price, stock, requires_checkout, version, last_changed_by_id, last_changed_by, last_changed_at, last_save_id)
        VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, now(), $9)
        RETURNING {ProductColumns}
        """;

    /// <summary>The row a create with this save id wrote, if it committed.</summary>
    private const string MineStatement = $"SELECT {ProductColumns} FROM products WHERE sku = $1 AND last_save_id = $2";

    private const string CurrentStatement = $"SELECT {ProductColumns} FROM products WHERE id = $1";

    private const string ManyStatement = $"SELECT {ProductColumns} FROM products WHERE id = ANY($1)";

    /// <summary>
    /// The save: the live lease share-locked, then the version-checked, fenced UPDATE (the token must
    /// be the live lease's and the writer, $8, its holder). The new values ($2-$7) are referenced
    /// twice: once to write, once to skip a save of what is already there. Public for the write-path
    /// benchmark, which runs this very statement without the store around it.
    /// </summary>
    public const string UpdateSql = $"""
        WITH lease AS (
            SELECT token, holder_user_id FROM leases WHERE resource_key = $1 AND expires_at > now() FOR SHARE
        )
        UPDATE products
           SET sku = $2, name = $3, description = $4, price = $5,
               stock = $6, requires_checkout = $7,
               version = version + 1,
               last_changed_by_id = $8, last_changed_by = $9, last_changed_at = now(),
               last_save_id = $10
         WHERE id = $11 AND version = $12
           -- Saving what is already there writes nothing and makes no new version.
           AND (sku, name, description, price, stock, requires_checkout)
               IS DISTINCT FROM ($2, $3, $4, $5, $6, $7)
           AND CASE WHEN $13 THEN EXISTS (SELECT 1 FROM lease WHERE token = $14 AND holder_user_id = $8)
                    WHEN EXISTS (SELECT 1 FROM lease) THEN false
                    ELSE NOT requires_checkout END
        RETURNING {ProductColumns}
        """;

    /// <summary>The delete, with the same lease rules as a save ($6: the deleter, who must hold the lease its token names).</summary>
    private const string DeleteStatement = """
        WITH lease AS (
            SELECT token, holder_user_id FROM leases WHERE resource_key = $1 AND expires_at > now() FOR SHARE
        )
        DELETE FROM products
         WHERE id = $2 AND version = $3
           AND CASE WHEN $4 THEN EXISTS (SELECT 1 FROM lease WHERE token = $5 AND holder_user_id = $6)
                    WHEN EXISTS (SELECT 1 FROM lease) THEN false
                    ELSE NOT requires_checkout END
        """;

    /// <summary>
    /// The list's sorts, each served by one (column, id) index either way (the ListIndexes migration);
    /// descending sorts break ties by descending id too. The first is the default.
    /// </summary>
    public static IReadOnlyList<KeysetColumn<Product>> SortColumns { get; } =
    [
        new KeysetColumn<Product, string>(nameof(Product.Sku), p => p.Sku, p => p.Id, Keyset.Text, Keyset.Text),
        new KeysetColumn<Product, string>(nameof(Product.Name), p => p.Name, p => p.Id, Keyset.Text, Keyset.Text),
        new KeysetColumn<Product, decimal>(nameof(Product.Price), p => p.Price, p => p.Id, Keyset.Number, Keyset.ParseDecimal),
        new KeysetColumn<Product, int>(nameof(Product.Stock), p => p.Stock, p => p.Id, Keyset.Number, Keyset.ParseInt),
        new KeysetColumn<Product, int>(nameof(Product.Version), p => p.Version, p => p.Id, Keyset.Number, Keyset.ParseInt),
        new KeysetColumn<Product, DateTimeOffset>(nameof(Product.LastChangedAt), p => p.LastChangedAt, p => p.Id, Keyset.Time, Keyset.ParseTime),
        new KeysetColumn<Product, string>(nameof(Product.LastChangedBy), p => p.LastChangedBy, p => p.Id, Keyset.Text, Keyset.Text),
    ];

    private static readonly RecordList<Product> List = new("products",
        pattern => p => EF.Functions.ILike(p.Sku, pattern, "\\") || EF.Functions.ILike(p.Name, pattern, "\\"),
        "sku ILIKE $1 ESCAPE '\\' OR name ILIKE $1 ESCAPE '\\'", SortColumns);

    /// <summary>One page of products matching the search (SKU or name), sorted.</summary>
    public Task<ProductPage> ListAsync(ProductQuery query, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await ListOnceAsync(query, token), ct).AsTask();

    private async Task<ProductPage> ListOnceAsync(ProductQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (page, total) = await List.PageAsync(db.Products.AsNoTracking(), DataSource, listOptions.Value.CountCap,
            query.Search, query.SortBy, query.Descending, query.Page, query.PageSize, query.Cursor, ct);
        return new ProductPage([.. page.Items.Select(p => p.ToSnapshot())], total.Count, total.IsEstimate, page.Previous, page.Next, page.Last);
    }

    protected override string InsertSql => InsertStatement;

    protected override string MineSql => MineStatement;

    protected override string CurrentSql => CurrentStatement;

    protected override string ManySql => ManyStatement;

    protected override string SaveSql => UpdateSql;

    protected override string DeleteSql => DeleteStatement;

    protected override ProductValues Normalize(ProductValues values) => values.Normalized();

    protected override IReadOnlyList<FieldError> Validate(ProductValues values) => ProductRules.Validate(values);

    protected override object?[] ValueParameters(ProductValues values) => [values.Sku, values.Name, values.Description, values.Price, values.Stock, values.RequiresCheckout];

    protected override object?[] MineParameters(ProductValues values, Guid saveId) => [values.Sku, saveId];

    /// <summary>A row of <see cref="ProductColumns"/>.</summary>
    protected override Product Read(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetInt32(0), Sku = reader.GetString(1), Name = reader.GetString(2), Description = reader.GetString(3), Price = reader.GetDecimal(4),
        Stock = reader.GetInt32(5), RequiresCheckout = reader.GetBoolean(6), Version = reader.GetInt32(7), LastChangedById = reader.IsDBNull(8) ? null : reader.GetString(8),
        LastChangedBy = reader.GetString(9), LastChangedAt = reader.GetFieldValue<DateTimeOffset>(10), LastSaveId = reader.IsDBNull(11) ? null : reader.GetGuid(11),
    };

    protected override FieldError DuplicateOf(ProductValues values) =>
        new(nameof(ProductValues.Sku), $"SKU must be unique: '{values.Sku}' is already used by another product.");
}

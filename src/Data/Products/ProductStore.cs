using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Core.Validation;
using CollabEditor.Data.Diagnostics;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Lists;
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
/// Reads and lists go through EF Core; creates, saves and deletes are hand-written Npgsql on the
/// shared data source: a save is one statement (one round trip), plus a read only when it wrote nothing.
/// </remarks>
public sealed class ProductStore(IDbContextFactory<CollabDbContext> dbFactory, NpgsqlDataSource dataSource, LeaseStore leases, IOptions<ListOptions> listOptions)
{
    private const string ProductColumns = "id, sku, name, description, price, stock, requires_checkout, version, last_changed_by_id, last_changed_by, last_changed_at, last_save_id";

    private const string InsertSql = $"""
        INSERT INTO products (sku, name, description, price, stock, requires_checkout, version, last_changed_by_id, last_changed_by, last_changed_at, last_save_id)
        VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, now(), $9)
        RETURNING {ProductColumns}
        """;

    /// <summary>The row a create with this save id wrote, if it committed.</summary>
    private const string MineSql = $"SELECT {ProductColumns} FROM products WHERE sku = $1 AND last_save_id = $2";

    private const string CurrentSql = $"SELECT {ProductColumns} FROM products WHERE id = $1";

    private const string ManySql = $"SELECT {ProductColumns} FROM products WHERE id = ANY($1)";

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
    private const string DeleteSql = """
        WITH lease AS (
            SELECT token, holder_user_id FROM leases WHERE resource_key = $1 AND expires_at > now() FOR SHARE
        )
        DELETE FROM products
         WHERE id = $2 AND version = $3
           AND CASE WHEN $4 THEN EXISTS (SELECT 1 FROM lease WHERE token = $5 AND holder_user_id = $6)
                    WHEN EXISTS (SELECT 1 FROM lease) THEN false
                    ELSE NOT requires_checkout END
        """;

    /// <summary>The committed product, or null when there is none.</summary>
    public Task<ProductSnapshot?> GetAsync(int id, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await GetOnceAsync(id, token), ct).AsTask();

    private async Task<ProductSnapshot?> GetOnceAsync(int id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
        return row?.ToSnapshot();
    }

    /// <summary>
    /// The committed products among <paramref name="ids"/> (one statement, any order; a deleted id is
    /// simply missing): what the live lists read once per burst of changes, for every open page.
    /// </summary>
    public Task<IReadOnlyList<ProductSnapshot>> GetManyAsync(IReadOnlyCollection<int> ids, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await GetManyOnceAsync(ids, token), ct).AsTask();

    private async Task<IReadOnlyList<ProductSnapshot>> GetManyOnceAsync(IReadOnlyCollection<int> ids, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await using var cmd = Command(ManySql, ids.ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<ProductSnapshot>(ids.Count);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(ReadProduct(reader).ToSnapshot());
        }

        return rows;
    }

    /// <summary>One page of products matching the search (SKU or name), sorted.</summary>
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

    public Task<ProductPage> ListAsync(ProductQuery query, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await ListOnceAsync(query, token), ct).AsTask();

    private async Task<ProductPage> ListOnceAsync(ProductQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = db.Products.AsNoTracking();
        var search = query.Search?.Replace("\0", string.Empty, StringComparison.Ordinal);
        Func<IQueryable<Product>, IQueryable<Product>>? filter = null;
        var probe = true;
        ListTotal total;
        if (!string.IsNullOrWhiteSpace(search))
        {
            // ESCAPE '\' must be named: without it EF writes ESCAPE '' and the escaped % and _ would
            // match a backslash instead of themselves. The trigram indexes serve both columns.
            var pattern = ListTotal.ContainsPattern(search);
            filter = q => q.Where(p => EF.Functions.ILike(p.Sku, pattern, "\\") || EF.Functions.ILike(p.Name, pattern, "\\"));
            (total, var ids) = await ListTotal.SearchAsync(filter(rows).Select(p => p.Id), listOptions.Value.CountCap, dataSource,
                "products", "sku ILIKE $1 ESCAPE '\\' OR name ILIKE $1 ESCAPE '\\'", [pattern], ct);
            if (ids is not null)
            {
                // Few matches, all known: the page is read by their ids.
                var matches = ids.ToArray();
                filter = q => q.Where(p => matches.Contains(p.Id));
                probe = false;
            }
        }
        else
        {
            total = await ListTotal.CountAsync(rows, listOptions.Value.CountCap, token => ListTotal.EstimateAsync(dataSource, "SELECT 1 FROM products", [], token), ct);
        }

        var pageSize = Math.Clamp(query.PageSize, 1, 200);
        var sortBy = query.Cursor?.Sort ?? query.SortBy;
        var descending = query.Cursor?.Descending ?? query.Descending;
        var column = SortColumns.FirstOrDefault(c => c.Name == sortBy) ?? SortColumns[0];
        if (query.Cursor is not null || query.Page == 0)
        {
            var keyset = await Keyset.PageAsync(rows, column, descending, query.Cursor, pageSize, ct, filter, probe);
            return new ProductPage([.. keyset.Items.Select(p => p.ToSnapshot())], total.Count, total.IsEstimate, keyset.Previous, keyset.Next, keyset.Last);
        }

        var byOffset = await Keyset.OffsetPageAsync(filter is null ? rows : filter(rows), column, descending, query.Page, pageSize, ct);
        return new ProductPage([.. byOffset.Items.Select(p => p.ToSnapshot())], total.Count, total.IsEstimate, byOffset.Previous, byOffset.Next, byOffset.Last);
    }

    /// <summary>Inserts a product at version 1.</summary>
    public async Task<SaveResult> CreateAsync(ProductValues values, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (Prepare(values, out var v) is { } invalid)
        {
            return invalid;
        }

        var saveId = Guid.NewGuid();
        return await Timed("create", () => TransientRetry.Pipeline.ExecuteAsync(async token => await CreateOnceAsync(v, actor, saveId, token), ct).AsTask());
    }

    private async Task<SaveResult> CreateOnceAsync(ProductValues v, Actor actor, Guid saveId, CancellationToken ct)
    {
        try
        {
            await using var cmd = Command(InsertSql, v.Sku, v.Name, v.Description, v.Price, v.Stock, v.RequiresCheckout, actor.UserId, actor.DisplayName, saveId);
            var row = await ReadOneAsync(cmd, ct) ?? throw new InvalidOperationException("INSERT … RETURNING returned no row.");
            return new SaveResult.Saved(row.ToSnapshot());
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // A retry of an insert that did commit finds its own row.
            await using var cmd = Command(MineSql, v.Sku, saveId);
            var mine = await ReadOneAsync(cmd, ct);
            return mine is null ? DuplicateSku(v) : new SaveResult.Saved(mine.ToSnapshot());
        }
    }

    /// <summary>
    /// Writes <paramref name="values"/> if the product is still at <paramref name="expectedVersion"/>,
    /// bumping the version in the same UPDATE.
    /// </summary>
    /// <remarks>
    /// Fenced (DESIGN.md "Leases"): while anyone holds a live lease on the product, only a caller
    /// presenting its <paramref name="leaseToken"/> may write, and a product that requires check-out
    /// cannot be written without one (turning the flag on needs none; turning it off does). A token
    /// that no longer names a live lease is refused too: the caller believed it was fenced. The lease row is share-locked by the same statement, so a
    /// release or takeover cannot slip between the check and the write.
    /// </remarks>
    public async Task<SaveResult> UpdateAsync(int id, int expectedVersion, ProductValues values, Actor actor, Guid? leaseToken = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (Prepare(values, out var v) is { } invalid)
        {
            return invalid;
        }

        var saveId = Guid.NewGuid();
        var result = await Timed("update", () => TransientRetry.Pipeline.ExecuteAsync(async token => await UpdateOnceAsync(id, expectedVersion, v, actor, leaseToken, saveId, token), ct).AsTask());
        if (result is SaveResult.Conflict)
        {
            CollabMetrics.Conflicts.Add(1, CollabMetrics.Kind("product"));
        }

        return result;
    }

    private async Task<SaveResult> UpdateOnceAsync(int id, int expectedVersion, ProductValues v, Actor actor, Guid? leaseToken, Guid saveId, CancellationToken ct)
    {
        Product? written;
        try
        {
            var token = leaseToken ?? Guid.Empty;
            await using var cmd = Command(UpdateSql, ResourceKey.ForProduct(id), v.Sku, v.Name, v.Description, v.Price, v.Stock, v.RequiresCheckout,
                actor.UserId, actor.DisplayName, saveId, id, expectedVersion, leaseToken is not null, token);
            written = await ReadOneAsync(cmd, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return DuplicateSku(v);
        }

        if (written is not null)
        {
            return new SaveResult.Saved(written.ToSnapshot());
        }

        // Nothing written: say why. A stale version is a conflict whoever holds the lease.
        var current = await ReadCurrentAsync(id, ct);
        if (current is null)
        {
            return new SaveResult.Deleted();
        }

        if (current.LastSaveId == saveId)
        {
            // An earlier attempt of this very save committed; only its acknowledgement was lost.
            return new SaveResult.Saved(current.ToSnapshot());
        }

        if (current.Version != expectedVersion)
        {
            return new SaveResult.Conflict(current.ToSnapshot());
        }

        if (current.ToValues() == v)
        {
            // Nothing to change: the current version stands (a repeated submit saves once).
            return new SaveResult.Saved(current.ToSnapshot());
        }

        var live = await leases.GetLiveAsync(ResourceKey.ForProduct(id), ct);
        return live switch
        {
            _ when LeaseFence.IsSomeoneElses(live, leaseToken, actor.UserId) => new SaveResult.NotHolder(LeaseHolder.From(live!)),
            { } lease => new SaveResult.Locked(LeaseHolder.From(lease)),
            // A write under a lease that has ended is refused, not quietly turned into an unfenced one.
            null when leaseToken is not null => new SaveResult.LeaseLost(),
            null when current.RequiresCheckout => new SaveResult.CheckoutRequired(),
            // The lease ended between the write and this look: the caller may simply try again.
            null => new SaveResult.Conflict(current.ToSnapshot()),
        };
    }

    /// <summary>Deletes the product if it is still at <paramref name="expectedVersion"/>.</summary>
    public async Task<DeleteResult> DeleteAsync(int id, int expectedVersion, Actor actor, Guid? leaseToken = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var attempts = 0;
        var result = await TransientRetry.Pipeline.ExecuteAsync(
            async token =>
            {
                attempts++;
                return await DeleteOnceAsync(id, expectedVersion, actor, leaseToken, token);
            },
            ct);
        // Gone after an attempt that failed in flight: that attempt is what deleted it.
        return result is DeleteResult.NotFound && attempts > 1 ? new DeleteResult.Removed() : result;
    }

    private async Task<DeleteResult> DeleteOnceAsync(int id, int expectedVersion, Actor actor, Guid? leaseToken, CancellationToken ct)
    {
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            var token = leaseToken ?? Guid.Empty;
            // A deleted row cannot say who deleted it; the change trigger reads this transaction-local
            // setting. Set and delete in one round trip, then the commit.
            await using var batch = new NpgsqlBatch(connection, tx)
            {
                BatchCommands =
                {
                    SqlCommands.Batch("SELECT set_config('collab.actor', $1, true)", actor.DisplayName),
                    SqlCommands.Batch(DeleteSql, ResourceKey.ForProduct(id), id, expectedVersion, leaseToken is not null, token, actor.UserId),
                },
            };
            await batch.ExecuteNonQueryAsync(ct);
            var deleted = batch.BatchCommands[1].RecordsAffected;
            await tx.CommitAsync(ct);
            if (deleted == 1)
            {
                return new DeleteResult.Removed();
            }
        }

        var current = await ReadCurrentAsync(id, ct);
        if (current is null)
        {
            return new DeleteResult.NotFound();
        }

        if (current.Version != expectedVersion)
        {
            return new DeleteResult.Conflict(current.ToSnapshot());
        }

        var live = await leases.GetLiveAsync(ResourceKey.ForProduct(id), ct);
        return live switch
        {
            _ when LeaseFence.IsSomeoneElses(live, leaseToken, actor.UserId) => new DeleteResult.NotHolder(LeaseHolder.From(live!)),
            { } lease => new DeleteResult.Locked($"Checked out by {lease.HolderName} until {lease.ExpiresAt:u}."),
            null => new DeleteResult.Locked(leaseToken is not null ? SaveResult.LeaseLost.Message : SaveResult.CheckoutRequired.Message),
        };
    }

    /// <summary>The committed row, or null (after a write that wrote nothing, to say why).</summary>
    private async Task<Product?> ReadCurrentAsync(int id, CancellationToken ct)
    {
        await using var cmd = Command(CurrentSql, id);
        return await ReadOneAsync(cmd, ct);
    }

    /// <summary>The first row of a one-statement command, read to the end of its results so an error that follows the row (the implicit commit) surfaces here, not from Dispose.</summary>
    private static async Task<Product?> ReadOneAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var row = await reader.ReadAsync(ct) ? ReadProduct(reader) : null;
        await reader.NextResultAsync(ct);
        return row;
    }

    /// <summary>A row of <see cref="ProductColumns"/>.</summary>
    private static Product ReadProduct(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt32(0), Sku = r.GetString(1), Name = r.GetString(2), Description = r.GetString(3), Price = r.GetDecimal(4),
        Stock = r.GetInt32(5), RequiresCheckout = r.GetBoolean(6), Version = r.GetInt32(7), LastChangedById = r.IsDBNull(8) ? null : r.GetString(8),
        LastChangedBy = r.GetString(9), LastChangedAt = r.GetFieldValue<DateTimeOffset>(10), LastSaveId = r.IsDBNull(11) ? null : r.GetGuid(11),
    };

    private NpgsqlCommand Command(string sql, params object?[] values) => SqlCommands.Command(dataSource, sql, values);

    private static async Task<SaveResult> Timed(string operation, Func<Task<SaveResult>> save)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await save();
        CollabMetrics.SaveLatency.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            CollabMetrics.Kind("product"), new("operation", operation), new("outcome", result.GetType().Name));
        return result;
    }

    /// <summary>Normalizes the values; returns the broken rules, or null when they may be written.</summary>
    private static SaveResult.Invalid? Prepare(ProductValues values, out ProductValues normalized)
    {
        ArgumentNullException.ThrowIfNull(values);
        normalized = values.Normalized();
        return ProductRules.Validate(normalized) is { Count: > 0 } errors ? new SaveResult.Invalid(errors) : null;
    }

    private static SaveResult.Invalid DuplicateSku(ProductValues v) =>
        new([new FieldError(nameof(ProductValues.Sku), $"SKU must be unique: '{v.Sku}' is already used by another product.")]);
}

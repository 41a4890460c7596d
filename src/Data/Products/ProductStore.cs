using CollabEditor.Core.Changes;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Core.Validation;
using CollabEditor.Data.Diagnostics;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Resilience;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CollabEditor.Data.Products;

/// <summary>
/// Reads and version-checked writes of products. Every write checks and bumps the version in the
/// same statement as the data (DESIGN.md "Optimistic saves"); a zero-row result is a conflict or a
/// deletion, never a silent retry.
/// </summary>
public sealed class ProductStore(IDbContextFactory<CollabDbContext> dbFactory, LeaseStore leases)
{
    /// <summary>The committed product, or null when there is none.</summary>
    public Task<ProductSnapshot?> GetAsync(int id, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await GetOnceAsync(id, token), ct).AsTask();

    private async Task<ProductSnapshot?> GetOnceAsync(int id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
        return row?.ToSnapshot();
    }

    /// <summary>One page of products matching the search (SKU or name), sorted.</summary>
    public Task<ProductPage> ListAsync(ProductQuery query, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await ListOnceAsync(query, token), ct).AsTask();

    private async Task<ProductPage> ListOnceAsync(ProductQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = db.Products.AsNoTracking();
        var search = query.Search?.Replace("\0", string.Empty, StringComparison.Ordinal);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = "%" + EscapeLike(search.Trim()) + "%";
            rows = rows.Where(p => EF.Functions.ILike(p.Sku, pattern) || EF.Functions.ILike(p.Name, pattern));
        }

        var total = await rows.CountAsync(ct);
        rows = (query.SortBy, query.Descending) switch
        {
            (nameof(Product.Name), false) => rows.OrderBy(p => p.Name).ThenBy(p => p.Id),
            (nameof(Product.Name), true) => rows.OrderByDescending(p => p.Name).ThenBy(p => p.Id),
            (nameof(Product.Price), false) => rows.OrderBy(p => p.Price).ThenBy(p => p.Id),
            (nameof(Product.Price), true) => rows.OrderByDescending(p => p.Price).ThenBy(p => p.Id),
            (nameof(Product.Stock), false) => rows.OrderBy(p => p.Stock).ThenBy(p => p.Id),
            (nameof(Product.Stock), true) => rows.OrderByDescending(p => p.Stock).ThenBy(p => p.Id),
            (nameof(Product.Version), false) => rows.OrderBy(p => p.Version).ThenBy(p => p.Id),
            (nameof(Product.Version), true) => rows.OrderByDescending(p => p.Version).ThenBy(p => p.Id),
            (nameof(Product.LastChangedAt), false) => rows.OrderBy(p => p.LastChangedAt).ThenBy(p => p.Id),
            (nameof(Product.LastChangedAt), true) => rows.OrderByDescending(p => p.LastChangedAt).ThenBy(p => p.Id),
            (nameof(Product.LastChangedBy), false) => rows.OrderBy(p => p.LastChangedBy).ThenBy(p => p.Id),
            (nameof(Product.LastChangedBy), true) => rows.OrderByDescending(p => p.LastChangedBy).ThenBy(p => p.Id),
            (nameof(Product.Sku), true) => rows.OrderByDescending(p => p.Sku),
            _ => rows.OrderBy(p => p.Sku),
        };
        var pageSize = Math.Clamp(query.PageSize, 1, 200);
        // A page past any sensible end is simply empty (and never overflows the offset).
        var pageIndex = Math.Clamp(query.Page, 0, int.MaxValue / pageSize - 1);
        var items = await rows.Skip(pageIndex * pageSize).Take(pageSize).ToListAsync(ct);
        return new ProductPage([.. items.Select(p => p.ToSnapshot())], total);
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
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        try
        {
            var rows = await db.Products.FromSql($"""
                INSERT INTO products (sku, name, description, price, stock, requires_checkout, version, last_changed_by_id, last_changed_by, last_changed_at, last_save_id)
                VALUES ({v.Sku}, {v.Name}, {v.Description}, {v.Price}, {v.Stock}, {v.RequiresCheckout}, 1, {actor.UserId}, {actor.DisplayName}, now(), {saveId})
                RETURNING *
                """).AsNoTracking().ToListAsync(ct);
            return new SaveResult.Saved(rows[0].ToSnapshot());
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // A retry of an insert that did commit finds its own row.
            var mine = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Sku == v.Sku && p.LastSaveId == saveId, ct);
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
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        List<Product> rows;
        try
        {
            var key = ResourceKey.ForProduct(id);
            var token = leaseToken ?? Guid.Empty;
            rows = await db.Products.FromSql($"""
                WITH lease AS (
                    SELECT token FROM leases WHERE resource_key = {key} AND expires_at > now() FOR SHARE
                )
                UPDATE products
                   SET sku = {v.Sku}, name = {v.Name}, description = {v.Description}, price = {v.Price},
                       stock = {v.Stock}, requires_checkout = {v.RequiresCheckout},
                       version = version + 1,
                       last_changed_by_id = {actor.UserId}, last_changed_by = {actor.DisplayName}, last_changed_at = now(),
                       last_save_id = {saveId}
                 WHERE id = {id} AND version = {expectedVersion}
                   -- Saving what is already there writes nothing and makes no new version.
                   AND (sku, name, description, price, stock, requires_checkout)
                       IS DISTINCT FROM ({v.Sku}, {v.Name}, {v.Description}, {v.Price}, {v.Stock}, {v.RequiresCheckout})
                   AND CASE WHEN {token != Guid.Empty} THEN EXISTS (SELECT 1 FROM lease WHERE token = {token})
                            WHEN EXISTS (SELECT 1 FROM lease) THEN false
                            ELSE NOT requires_checkout END
                RETURNING *
                """).AsNoTracking().ToListAsync(ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return DuplicateSku(v);
        }

        if (rows.Count == 1)
        {
            return new SaveResult.Saved(rows[0].ToSnapshot());
        }

        // Nothing written: say why. A stale version is a conflict whoever holds the lease.
        var current = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
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

        return await leases.GetAsync(ResourceKey.ForProduct(id), ct) switch
        {
            { } holder => new SaveResult.Locked(holder),
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
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            // A deleted row cannot say who deleted it; the change trigger reads this transaction-local setting.
            await db.Database.ExecuteSqlAsync($"SELECT set_config('collab.actor', {actor.DisplayName}, true)", ct);
            var key = ResourceKey.ForProduct(id);
            var token = leaseToken ?? Guid.Empty;
            var deleted = await db.Database.ExecuteSqlAsync($"""
                WITH lease AS (
                    SELECT token FROM leases WHERE resource_key = {key} AND expires_at > now() FOR SHARE
                )
                DELETE FROM products
                 WHERE id = {id} AND version = {expectedVersion}
                   AND CASE WHEN {token != Guid.Empty} THEN EXISTS (SELECT 1 FROM lease WHERE token = {token})
                            WHEN EXISTS (SELECT 1 FROM lease) THEN false
                            ELSE NOT requires_checkout END
                """, ct);
            await tx.CommitAsync(ct);
            if (deleted == 1)
            {
                return new DeleteResult.Removed();
            }
        }

        var current = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
        if (current is null)
        {
            return new DeleteResult.NotFound();
        }

        if (current.Version != expectedVersion)
        {
            return new DeleteResult.Conflict(current.ToSnapshot());
        }

        return await leases.GetAsync(ResourceKey.ForProduct(id), ct) is { } holder
            ? new DeleteResult.Locked($"Checked out by {holder.HolderName} until {holder.ExpiresAt:u}.")
            : new DeleteResult.Locked(leaseToken is not null ? SaveResult.LeaseLost.Message : SaveResult.CheckoutRequired.Message);
    }

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

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}

using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Users;
using CollabEditor.Data.Diagnostics;
using CollabEditor.Data.Resilience;
using Microsoft.EntityFrameworkCore;

namespace CollabEditor.Data.Orders;

/// <summary>
/// Orders as one aggregate (DESIGN.md "Coarse-grained lock"): a save is one transaction that
/// locks the order row with SELECT … FOR UPDATE, checks the expected version and the lease, applies
/// header and line changes, and bumps the version once. Concurrent saves of one order serialize on
/// that row lock; lines are never written on their own.
/// </summary>
public sealed class OrderStore(IDbContextFactory<CollabDbContext> dbFactory)
{
    /// <summary>The order with its lines, or null.</summary>
    public Task<OrderSnapshot?> GetAsync(int id, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await GetOnceAsync(id, token), ct).AsTask();

    private async Task<OrderSnapshot?> GetOnceAsync(int id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var order = await db.Orders.AsNoTracking().Include(o => o.Lines).FirstOrDefaultAsync(o => o.Id == id, ct);
        return order?.ToSnapshot(order.Lines);
    }

    /// <summary>One page of orders matching the search (number or customer), sorted, with line count and total.</summary>
    public Task<OrderPage> ListAsync(OrderQuery query, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await ListOnceAsync(query, token), ct).AsTask();

    private async Task<OrderPage> ListOnceAsync(OrderQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var orders = db.Orders.AsNoTracking();
        var search = query.Search?.Replace("\0", string.Empty, StringComparison.Ordinal);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = "%" + search.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            orders = orders.Where(o => EF.Functions.ILike(o.Number, pattern) || EF.Functions.ILike(o.CustomerName, pattern));
        }

        var total = await orders.CountAsync(ct);
        orders = (query.SortBy, query.Descending) switch
        {
            (nameof(OrderSummary.CustomerName), false) => orders.OrderBy(o => o.CustomerName).ThenBy(o => o.Id),
            (nameof(OrderSummary.CustomerName), true) => orders.OrderByDescending(o => o.CustomerName).ThenBy(o => o.Id),
            (nameof(OrderSummary.Status), false) => orders.OrderBy(o => o.Status).ThenBy(o => o.Id),
            (nameof(OrderSummary.Status), true) => orders.OrderByDescending(o => o.Status).ThenBy(o => o.Id),
            (nameof(OrderSummary.LineCount), false) => orders.OrderBy(o => o.Lines.Count).ThenBy(o => o.Id),
            (nameof(OrderSummary.LineCount), true) => orders.OrderByDescending(o => o.Lines.Count).ThenBy(o => o.Id),
            (nameof(OrderSummary.Total), false) => orders.OrderBy(o => o.Lines.Sum(l => l.Quantity * l.UnitPrice)).ThenBy(o => o.Id),
            (nameof(OrderSummary.Total), true) => orders.OrderByDescending(o => o.Lines.Sum(l => l.Quantity * l.UnitPrice)).ThenBy(o => o.Id),
            (nameof(OrderSummary.Version), false) => orders.OrderBy(o => o.Version).ThenBy(o => o.Id),
            (nameof(OrderSummary.Version), true) => orders.OrderByDescending(o => o.Version).ThenBy(o => o.Id),
            (nameof(OrderSummary.LastChangedAt), false) => orders.OrderBy(o => o.LastChangedAt).ThenBy(o => o.Id),
            (nameof(OrderSummary.LastChangedAt), true) => orders.OrderByDescending(o => o.LastChangedAt).ThenBy(o => o.Id),
            (nameof(OrderSummary.Number), true) => orders.OrderByDescending(o => o.Id),
            _ => orders.OrderBy(o => o.Id),
        };
        var pageSize = Math.Clamp(query.PageSize, 1, 200);
        // A page past any sensible end is simply empty (and never overflows the offset).
        var pageIndex = Math.Clamp(query.Page, 0, int.MaxValue / pageSize - 1);
        var page = await orders.Skip(pageIndex * pageSize).Take(pageSize)
            .Select(o => new OrderSummary(o.Id, o.Number, o.CustomerName, o.Status, o.Lines.Count, o.Lines.Sum(l => l.Quantity * l.UnitPrice), o.Version, o.LastChangedBy, o.LastChangedAt))
            .ToListAsync(ct);
        return new OrderPage(page, total);
    }

    /// <summary>Creates a draft order with no lines at version 1; the number comes from a sequence.</summary>
    public async Task<OrderSaveResult> CreateAsync(OrderHeader header, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(actor);
        var h = header.Normalized() with { Status = OrderStatus.Draft };
        if (OrderRules.Validate(new OrderValues(h, [])) is { Count: > 0 } errors)
        {
            return new OrderSaveResult.Invalid(errors);
        }

        var saveId = Guid.NewGuid();
        return await TransientRetry.Pipeline.ExecuteAsync(
            async token =>
            {
                await using var db = await dbFactory.CreateDbContextAsync(token);
                // A retry of an insert that did commit finds its own row instead of making a second order.
                var rows = await db.Orders.AsNoTracking().Where(o => o.LastSaveId == saveId).ToListAsync(token);
                if (rows.Count == 0)
                {
                    rows = await db.Orders.FromSql($"""
                        INSERT INTO orders (customer_name, status, notes, version, last_changed_by_id, last_changed_by, last_changed_at, last_save_id)
                        VALUES ({h.CustomerName}, 'Draft', {h.Notes}, 1, {actor.UserId}, {actor.DisplayName}, now(), {saveId})
                        RETURNING *
                        """).AsNoTracking().ToListAsync(token);
                }

                return (OrderSaveResult)new OrderSaveResult.Saved(rows[0].ToSnapshot([]));
            },
            ct);
    }

    /// <summary>
    /// Saves header and lines as one change if the order is still at <paramref name="expectedVersion"/>,
    /// fenced by <paramref name="leaseToken"/> while anyone has the order checked out.
    /// </summary>
    public async Task<OrderSaveResult> SaveAsync(int id, int expectedVersion, OrderValues wanted, Actor actor, Guid? leaseToken = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(actor);
        wanted = wanted with { Header = wanted.Header.Normalized() };
        var saveId = Guid.NewGuid();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await TransientRetry.Pipeline.ExecuteAsync(async token => await SaveOnceAsync(id, expectedVersion, wanted, actor, leaseToken, saveId, token), ct);
        CollabMetrics.SaveLatency.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            CollabMetrics.Kind("order"), new("operation", "update"), new("outcome", result.GetType().Name));
        if (result is OrderSaveResult.Conflict)
        {
            CollabMetrics.Conflicts.Add(1, CollabMetrics.Kind("order"));
        }

        return result;
    }

    private async Task<OrderSaveResult> SaveOnceAsync(int id, int expectedVersion, OrderValues wanted, Actor actor, Guid? leaseToken, Guid saveId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // The retry reruns the whole unit of work, so EF's savepoint around SaveChanges would only cost two round trips.
        db.Database.AutoSavepointsEnabled = false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        // The coarse-grained lock: held until this transaction ends.
        var locked = await db.Orders.FromSql($"SELECT * FROM orders WHERE id = {id} FOR UPDATE").ToListAsync(ct);
        if (locked.Count == 0)
        {
            return new OrderSaveResult.Deleted();
        }

        var order = locked[0];
        var lines = await db.OrderLines.Where(l => l.OrderId == id).OrderBy(l => l.Position).ToListAsync(ct);
        var current = order.ToSnapshot(lines);
        if (order.LastSaveId == saveId)
        {
            // An earlier attempt of this very save committed; only its acknowledgement was lost.
            return new OrderSaveResult.Saved(current);
        }

        if (order.Version != expectedVersion)
        {
            return new OrderSaveResult.Conflict(current);
        }

        if (await CheckLeaseAsync(db, id, leaseToken, ct) is { } refused)
        {
            return refused;
        }

        if (OrderRules.ValidateChange(current.Values, wanted) is { Count: > 0 } errors)
        {
            return new OrderSaveResult.Invalid(errors);
        }

        if (current.Values.SameAs(wanted))
        {
            return new OrderSaveResult.Saved(current);
        }

        // Lines: removals, edits and additions, by line id; positions follow the wanted order.
        var wantedById = wanted.Lines.Select((l, i) => (Line: l, Position: i)).ToDictionary(x => x.Line.LineId);
        var existingIds = lines.Select(l => l.Id).ToHashSet();
        db.OrderLines.RemoveRange(lines.Where(l => !wantedById.ContainsKey(l.Id)));
        foreach (var row in lines.Where(l => wantedById.ContainsKey(l.Id)))
        {
            var (line, position) = wantedById[row.Id];
            (row.Position, row.ProductId, row.Sku, row.ProductName, row.Quantity, row.UnitPrice) = (position, line.ProductId, line.Sku, line.ProductName, line.Quantity, line.UnitPrice);
        }

        foreach (var (line, position) in wantedById.Values.Where(x => !existingIds.Contains(x.Line.LineId)))
        {
            db.OrderLines.Add(new OrderLineRow
            {
                Id = line.LineId, OrderId = id, Position = position, ProductId = line.ProductId,
                Sku = line.Sku, ProductName = line.ProductName, Quantity = line.Quantity, UnitPrice = line.UnitPrice,
            });
        }

        await db.SaveChangesAsync(ct);

        // One version bump for the whole aggregate, stamped by the database clock.
        var h = wanted.Header;
        var updated = await db.Orders.FromSql($"""
            UPDATE orders SET customer_name = {h.CustomerName}, status = {h.Status.ToString()}, notes = {h.Notes},
                   version = version + 1, last_changed_by_id = {actor.UserId}, last_changed_by = {actor.DisplayName}, last_changed_at = now(),
                   last_save_id = {saveId}
             WHERE id = {id}
            RETURNING *
            """).AsNoTracking().ToListAsync(ct);
        await tx.CommitAsync(ct);
        // The lines as written: the tracked rows that stayed, plus the added ones (no second read).
        var savedLines = db.ChangeTracker.Entries<OrderLineRow>().Where(e => e.State != EntityState.Detached).Select(e => e.Entity).ToList();
        return new OrderSaveResult.Saved(updated[0].ToSnapshot(savedLines));
    }

    /// <summary>Deletes the order and its lines if it is still at <paramref name="expectedVersion"/> (same lock and lease rules as a save).</summary>
    public async Task<OrderSaveResult> DeleteAsync(int id, int expectedVersion, Actor actor, Guid? leaseToken = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return await TransientRetry.Pipeline.ExecuteAsync(async token => await DeleteOnceAsync(id, expectedVersion, actor, leaseToken, token), ct);
    }

    private async Task<OrderSaveResult> DeleteOnceAsync(int id, int expectedVersion, Actor actor, Guid? leaseToken, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var locked = await db.Orders.FromSql($"SELECT * FROM orders WHERE id = {id} FOR UPDATE").AsNoTracking().ToListAsync(ct);
        if (locked.Count == 0)
        {
            return new OrderSaveResult.Deleted();
        }

        var lines = await db.OrderLines.AsNoTracking().Where(l => l.OrderId == id).ToListAsync(ct);
        var current = locked[0].ToSnapshot(lines);
        if (current.Version != expectedVersion)
        {
            return new OrderSaveResult.Conflict(current);
        }

        if (await CheckLeaseAsync(db, id, leaseToken, ct) is { } refused)
        {
            return refused;
        }

        await db.Database.ExecuteSqlAsync($"SELECT set_config('collab.actor', {actor.DisplayName}, true)", ct);
        await db.Database.ExecuteSqlAsync($"DELETE FROM orders WHERE id = {id}", ct);
        await tx.CommitAsync(ct);
        return new OrderSaveResult.Saved(current);
    }

    /// <summary>
    /// Null when the caller may write: no live lease and no token, or its token names the live lease
    /// (share-locked until the transaction ends, so it cannot be released or taken over meanwhile).
    /// </summary>
    private static async Task<OrderSaveResult?> CheckLeaseAsync(CollabDbContext db, int id, Guid? leaseToken, CancellationToken ct)
    {
        var key = ResourceKey.ForOrder(id);
        var token = leaseToken ?? Guid.Empty;
        var lease = await db.Database.SqlQuery<LeaseCheck>($"""
            SELECT token AS "Token", holder_name AS "HolderName", holder_user_id AS "HolderUserId", holder_session AS "HolderSession",
                   fencing AS "Fencing", acquired_at AS "AcquiredAt", renewed_at AS "RenewedAt", expires_at AS "ExpiresAt", expires_at - now() AS "Remaining"
              FROM leases WHERE resource_key = {key} AND expires_at > now() FOR SHARE
            """).ToListAsync(ct);
        if (lease.Count == 1 && lease[0].Token != token)
        {
            var l = lease[0];
            return new OrderSaveResult.Locked(new LeaseHolder(key, l.HolderUserId, l.HolderName, l.HolderSession, l.Fencing, l.AcquiredAt, l.RenewedAt, l.ExpiresAt, l.Remaining));
        }

        return lease.Count == 0 && leaseToken is not null ? new OrderSaveResult.LeaseLost() : null;
    }

    private sealed record LeaseCheck(Guid Token, string HolderName, string HolderUserId, string HolderSession, long Fencing, DateTimeOffset AcquiredAt, DateTimeOffset RenewedAt, DateTimeOffset ExpiresAt, TimeSpan Remaining);
}

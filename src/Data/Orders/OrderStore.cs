using System.Data;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Users;
using CollabEditor.Core.Validation;
using CollabEditor.Data.Diagnostics;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Lists;
using CollabEditor.Data.Resilience;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CollabEditor.Data.Orders;

/// <summary>
/// Orders as one aggregate (DESIGN.md "Coarse-grained lock"): a save is one transaction that
/// locks the order row with SELECT … FOR UPDATE, checks the expected version and the lease, applies
/// header and line changes, and bumps the version once. Concurrent saves of one order serialize on
/// that row lock; lines are never written on their own.
/// </summary>
/// <remarks>
/// Reads and lists go through EF Core; saves and deletes are hand-written Npgsql on the shared data
/// source, batched so a save is three round trips: lock and read, write, commit.
/// </remarks>
public sealed class OrderStore(IDbContextFactory<CollabDbContext> dbFactory, NpgsqlDataSource dataSource, IOptions<ListOptions> listOptions)
{
    private const string OrderColumns = "id, number, customer_name, status, notes, version, last_changed_by_id, last_changed_by, last_changed_at, last_save_id, customer_id";

    private const string LockSql = $"SELECT {OrderColumns} FROM orders WHERE id = $1 FOR UPDATE";

    private const string LinesSql = "SELECT id, order_id, position, product_id, sku, product_name, quantity, unit_price FROM order_lines WHERE order_id = $1 ORDER BY position";

    /// <summary>The linked customer's current name (copied when the order is linked to it), share-locked so it cannot be deleted before this save commits.</summary>
    private const string CustomerNameSql = "SELECT name FROM customers WHERE id = $1 FOR SHARE";

    private const string LeaseSql = $"SELECT {LeaseStore.Columns} FROM leases WHERE resource_key = $1 AND expires_at > now() FOR SHARE";

    private const string DeleteLinesSql = "DELETE FROM order_lines WHERE order_id = $1 AND id = ANY($2)";

    private const string UpdateLineSql = """
        UPDATE order_lines SET position = $2, product_id = $3, sku = $4, product_name = $5, quantity = $6, unit_price = $7
         WHERE id = $1
        """;

    private const string InsertLineSql = """
        INSERT INTO order_lines (id, order_id, position, product_id, sku, product_name, quantity, unit_price)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """;

    // The line count and total are the lines' as this transaction has just written them (the line
    // statements run first in the same batch), so the list can sort by them from an index.
    private const string BumpSql = $"""
        UPDATE orders SET customer_name = $1, status = $2, notes = $3, customer_id = $8,
               version = version + 1, last_changed_by_id = $4, last_changed_by = $5, last_changed_at = now(),
               last_save_id = $6,
               (line_count, total) = (SELECT count(*), coalesce(sum(quantity * unit_price), 0) FROM order_lines WHERE order_id = $7)
         WHERE id = $7
        RETURNING {OrderColumns}
        """;

    /// <summary>The order with its lines, or null.</summary>
    public Task<OrderSnapshot?> GetAsync(int id, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await GetOnceAsync(id, token), ct).AsTask();

    private async Task<OrderSnapshot?> GetOnceAsync(int id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var order = await db.Orders.AsNoTracking().Include(o => o.Lines).FirstOrDefaultAsync(o => o.Id == id, ct);
        return order?.ToSnapshot(order.Lines);
    }

    /// <summary>
    /// The list rows (header, line count, total) of the orders among <paramref name="ids"/>, in one
    /// query; a deleted id is simply missing. What the live lists read once per burst of changes.
    /// </summary>
    public Task<IReadOnlyList<OrderSummary>> SummariesAsync(IReadOnlyCollection<int> ids, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await SummariesOnceAsync(ids, token), ct).AsTask();

    private async Task<IReadOnlyList<OrderSummary>> SummariesOnceAsync(IReadOnlyCollection<int> ids, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var wanted = ids.ToArray();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Orders.AsNoTracking().Where(o => wanted.Contains(o.Id))
            .Select(o => new OrderSummary(o.Id, o.Number, o.CustomerName, o.Status, o.LineCount, o.Total, o.Version, o.LastChangedBy, o.LastChangedAt))
            .ToListAsync(ct);
    }

    /// <summary>One page of orders matching the search (number or customer), sorted, with line count and total.</summary>
    public Task<OrderPage> ListAsync(OrderQuery query, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await ListOnceAsync(query, token), ct).AsTask();

    private async Task<OrderPage> ListOnceAsync(OrderQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (page, total) = await List.PageAsync(db.Orders.AsNoTracking(), dataSource, listOptions.Value.CountCap,
            query.Search, query.SortBy, query.Descending, query.Page, query.PageSize, query.Cursor, ct);
        return new OrderPage([.. page.Items.Select(Summary)], total.Count, total.IsEstimate, page.Previous, page.Next, page.Last);
    }

    private static OrderSummary Summary(Order o) =>
        new(o.Id, o.Number, o.CustomerName, o.Status, o.LineCount, o.Total, o.Version, o.LastChangedBy, o.LastChangedAt);

    /// <summary>
    /// The list's sorts, each one read of a (column, id) index either way; descending sorts break ties
    /// by descending id. Numbers come from a sequence, so the number's order is the id's. The first is
    /// the default.
    /// </summary>
    public static IReadOnlyList<KeysetColumn<Order>> SortColumns { get; } =
    [
        new KeysetColumn<Order, int>(nameof(OrderSummary.Number), o => o.Id, o => o.Id, Keyset.Number, Keyset.ParseInt),
        new KeysetColumn<Order, string>(nameof(OrderSummary.CustomerName), o => o.CustomerName, o => o.Id, Keyset.Text, Keyset.Text),
        new KeysetColumn<Order, OrderStatus>(nameof(OrderSummary.Status), o => o.Status, o => o.Id, s => s.ToString(), s => Enum.Parse<OrderStatus>(s)),
        new KeysetColumn<Order, int>(nameof(OrderSummary.LineCount), o => o.LineCount, o => o.Id, Keyset.Number, Keyset.ParseInt),
        new KeysetColumn<Order, decimal>(nameof(OrderSummary.Total), o => o.Total, o => o.Id, Keyset.Number, Keyset.ParseDecimal),
        new KeysetColumn<Order, int>(nameof(OrderSummary.Version), o => o.Version, o => o.Id, Keyset.Number, Keyset.ParseInt),
        new KeysetColumn<Order, DateTimeOffset>(nameof(OrderSummary.LastChangedAt), o => o.LastChangedAt, o => o.Id, Keyset.Time, Keyset.ParseTime),
        new KeysetColumn<Order, string>(nameof(OrderSummary.LastChangedBy), o => o.LastChangedBy, o => o.Id, Keyset.Text, Keyset.Text),
    ];

    private static readonly RecordList<Order> List = new("orders",
        pattern => o => EF.Functions.ILike(o.Number, pattern, "\\") || EF.Functions.ILike(o.CustomerName, pattern, "\\"),
        "number ILIKE $1 ESCAPE '\\' OR customer_name ILIKE $1 ESCAPE '\\'", SortColumns);

    /// <summary>Creates a draft order with no lines at version 1; the number comes from a sequence.</summary>
    public async Task<OrderSaveResult> CreateAsync(OrderHeader header, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(actor);
        var h = header.Normalized() with { Status = OrderStatus.Draft };
        // A linked order's name is its customer's, copied by the insert: the name sent does not matter.
        if (OrderRules.Validate(new OrderValues(h.CustomerId is null ? h : h with { CustomerName = "-" }, [])) is { Count: > 0 } errors)
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
                try
                {
                    if (rows.Count == 0)
                    {
                        rows = await db.Orders.FromSql($"""
                            INSERT INTO orders (customer_name, customer_id, status, notes, version, last_changed_by_id, last_changed_by, last_changed_at, last_save_id)
                            SELECT coalesce((SELECT name FROM customers WHERE id = {h.CustomerId} FOR SHARE), {h.CustomerName}), {h.CustomerId},
                                   'Draft', {h.Notes}, 1, {actor.UserId}, {actor.DisplayName}, now(), {saveId}
                            RETURNING id, number, customer_name, status, notes, version, last_changed_by_id, last_changed_by, last_changed_at, last_save_id, line_count, total, customer_id
                            """).AsNoTracking().ToListAsync(token);
                    }
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation && h.CustomerId is { } customerId)
                {
                    return new OrderSaveResult.Invalid([UnknownCustomer(customerId)]);
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
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // The retry reruns the whole unit of work, so nothing inside it needs a savepoint.
        await using var tx = await connection.BeginTransactionAsync(ct);

        // The coarse-grained lock (held until this transaction ends), the lines and the lease: one round trip.
        if (await LockAsync(connection, tx, id, ct, wanted.Header.CustomerId) is not { } locked)
        {
            return new OrderSaveResult.Deleted();
        }

        var (order, lines, lease, customerName) = locked;
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

        if (CheckLease(lease, leaseToken, actor) is { } refused)
        {
            return refused;
        }

        if (wanted.Header.CustomerId is { } customerId)
        {
            if (customerName is null)
            {
                return new OrderSaveResult.Invalid([UnknownCustomer(customerId)]);
            }

            // Linking copies the customer's name, as a line copies its product's name; from then on the name is
            // the order's own: a later rename of the customer does not rewrite it behind the next unrelated save.
            if (current.Values.Header.CustomerId != customerId)
            {
                wanted = wanted with { Header = wanted.Header with { CustomerName = customerName } };
            }
        }

        if (OrderRules.ValidateChange(current.Values, wanted) is { Count: > 0 } errors)
        {
            return new OrderSaveResult.Invalid(errors);
        }

        if (current.Values.SameAs(wanted))
        {
            return new OrderSaveResult.Saved(current);
        }

        // Lines: removals, edits and additions, by line id; positions follow the wanted order. Only
        // lines that differ from what is stored are written. With the version bump: one round trip.
        var wantedRows = wanted.Lines.Select((l, i) => new OrderLineRow
        {
            Id = l.LineId, OrderId = id, Position = i, ProductId = l.ProductId,
            Sku = l.Sku, ProductName = l.ProductName, Quantity = l.Quantity, UnitPrice = l.UnitPrice,
        }).ToList();
        var wantedIds = wantedRows.Select(l => l.Id).ToHashSet();
        var existing = lines.ToDictionary(l => l.Id);
        var removed = lines.Where(l => !wantedIds.Contains(l.Id)).Select(l => l.Id).ToArray();
        var changed = wantedRows.Where(l => existing.TryGetValue(l.Id, out var row) && !SameLine(row, l)).ToList();
        var added = wantedRows.Where(l => !existing.ContainsKey(l.Id)).ToList();

        await using var batch = new NpgsqlBatch(connection, tx);
        // The rows each line write must touch: the lines were read under the order's lock.
        var touches = new List<int>();
        if (removed.Length > 0)
        {
            batch.BatchCommands.Add(SqlCommands.Batch(DeleteLinesSql, id, removed));
            touches.Add(removed.Length);
        }

        foreach (var l in changed)
        {
            batch.BatchCommands.Add(SqlCommands.Batch(UpdateLineSql, l.Id, l.Position, l.ProductId, l.Sku, l.ProductName, l.Quantity, l.UnitPrice));
            touches.Add(1);
        }

        foreach (var l in added)
        {
            batch.BatchCommands.Add(SqlCommands.Batch(InsertLineSql, l.Id, id, l.Position, l.ProductId, l.Sku, l.ProductName, l.Quantity, l.UnitPrice));
        }

        // One version bump for the whole aggregate, stamped by the database clock.
        var h = wanted.Header;
        batch.BatchCommands.Add(SqlCommands.Batch(BumpSql, h.CustomerName, h.Status.ToString(), h.Notes, actor.UserId, actor.DisplayName, saveId, id, h.CustomerId));
        Order updated;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            // The line writes return no rows: the first result is the bump's RETURNING.
            updated = await reader.ReadAsync(ct) ? ReadOrder(reader) : throw new DBConcurrencyException($"Order {id} vanished while locked.");
        }

        // A line write that missed means someone changed the lines without taking the order's lock.
        for (var i = 0; i < touches.Count; i++)
        {
            if (batch.BatchCommands[i].RecordsAffected != touches[i])
            {
                throw new DBConcurrencyException($"The lines of order {id} changed outside its lock.");
            }
        }

        await tx.CommitAsync(ct);
        // The lines as written (no second read).
        return new OrderSaveResult.Saved(updated.ToSnapshot(wantedRows));
    }

    /// <summary>Deletes the order and its lines if it is still at <paramref name="expectedVersion"/> (same lock and lease rules as a save).</summary>
    public async Task<OrderSaveResult> DeleteAsync(int id, int expectedVersion, Actor actor, Guid? leaseToken = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return await TransientRetry.Pipeline.ExecuteAsync(async token => await DeleteOnceAsync(id, expectedVersion, actor, leaseToken, token), ct);
    }

    private async Task<OrderSaveResult> DeleteOnceAsync(int id, int expectedVersion, Actor actor, Guid? leaseToken, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await LockAsync(connection, tx, id, ct) is not { } locked)
        {
            return new OrderSaveResult.Deleted();
        }

        var current = locked.Order.ToSnapshot(locked.Lines);
        if (current.Version != expectedVersion)
        {
            return new OrderSaveResult.Conflict(current);
        }

        if (CheckLease(locked.Lease, leaseToken, actor) is { } refused)
        {
            return refused;
        }

        await using (var batch = new NpgsqlBatch(connection, tx))
        {
            batch.BatchCommands.Add(SqlCommands.Batch("SELECT set_config('collab.actor', $1, true)", actor.DisplayName));
            batch.BatchCommands.Add(SqlCommands.Batch("DELETE FROM orders WHERE id = $1", id));
            await batch.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return new OrderSaveResult.Saved(current);
    }

    /// <summary>
    /// In one round trip: locks the order row (FOR UPDATE), reads its lines in order, and share-locks
    /// its live lease if there is one (FOR SHARE), in that order. Null when the order does not exist.
    /// </summary>
    private static async Task<LockedOrder?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction tx, int id, CancellationToken ct, int? customerId = null)
    {
        var key = ResourceKey.ForOrder(id);
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands = { SqlCommands.Batch(LockSql, id), SqlCommands.Batch(LinesSql, id), SqlCommands.Batch(LeaseSql, key) },
        };
        if (customerId is not null)
        {
            batch.BatchCommands.Add(SqlCommands.Batch(CustomerNameSql, customerId));
        }

        await using var reader = await batch.ExecuteReaderAsync(ct);
        var order = await reader.ReadAsync(ct) ? ReadOrder(reader) : null;
        await reader.NextResultAsync(ct);
        var lines = new List<OrderLineRow>();
        while (await reader.ReadAsync(ct))
        {
            lines.Add(new OrderLineRow
            {
                Id = reader.GetGuid(0), OrderId = reader.GetInt32(1), Position = reader.GetInt32(2), ProductId = reader.GetInt32(3),
                Sku = reader.GetString(4), ProductName = reader.GetString(5), Quantity = reader.GetInt32(6), UnitPrice = reader.GetDecimal(7),
            });
        }

        await reader.NextResultAsync(ct);
        var lease = await reader.ReadAsync(ct) ? LeaseStore.Read(reader) : null;
        var customerName = customerId is not null && await reader.NextResultAsync(ct) && await reader.ReadAsync(ct) ? reader.GetString(0) : null;
        return order is null ? null : new LockedOrder(order, lines, lease, customerName);
    }

    /// <summary>
    /// Null when the caller may write: no live lease and no token, or its token names the live lease
    /// and the caller is its holder (share-locked by <see cref="LockAsync"/> until the transaction
    /// ends, so it cannot be released or taken over meanwhile).
    /// </summary>
    private static OrderSaveResult? CheckLease(Lease? lease, Guid? leaseToken, Actor actor)
    {
        if (LeaseFence.IsSomeoneElses(lease, leaseToken, actor.UserId))
        {
            return new OrderSaveResult.NotHolder(LeaseHolder.From(lease!));
        }

        if (lease is not null && lease.Token != (leaseToken ?? Guid.Empty))
        {
            return new OrderSaveResult.Locked(LeaseHolder.From(lease));
        }

        return lease is null && leaseToken is not null ? new OrderSaveResult.LeaseLost() : null;
    }

    private static bool SameLine(OrderLineRow a, OrderLineRow b) =>
        a.Position == b.Position && a.ToLine() == b.ToLine();

    private static Order ReadOrder(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt32(0), Number = r.GetString(1), CustomerName = r.GetString(2), Status = Enum.Parse<OrderStatus>(r.GetString(3)),
        Notes = r.GetString(4), Version = r.GetInt32(5), LastChangedById = r.IsDBNull(6) ? null : r.GetString(6), LastChangedBy = r.GetString(7),
        LastChangedAt = r.GetFieldValue<DateTimeOffset>(8), LastSaveId = r.IsDBNull(9) ? null : r.GetGuid(9), CustomerId = r.IsDBNull(10) ? null : r.GetInt32(10),
    };

    private sealed record LockedOrder(Order Order, List<OrderLineRow> Lines, Lease? Lease, string? CustomerName);

    private static FieldError UnknownCustomer(int id) => new(nameof(OrderHeader.CustomerId), $"Customer {id} does not exist (it may have been deleted): choose another customer or none.");
}

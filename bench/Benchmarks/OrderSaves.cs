using CollabEditor.Core.Changes;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Order saves per second through <see cref="OrderStore.SaveAsync"/> (one transaction: the order row
/// locked with SELECT … FOR UPDATE, version and lease checks, line diff, one version bump), next to
/// hand-written Npgsql doing the same unit of work in one transaction on the same data source. Each
/// writer saves its own order of three lines; every save changes one line's quantity and presents the
/// version the previous save returned. Data layer only, on a throwaway local cluster; the notification
/// trigger and the history trigger (deferred to commit) fire for every variant.
/// </summary>
/// <remarks>
/// Two hand-written baselines: "raw" has the same checks as the store (the version check on the
/// locked row and the lease check, FOR SHARE); "raw, no lease" is the bare
/// BEGIN; SELECT … FOR UPDATE; SELECT lines; UPDATE the line; UPDATE orders …; COMMIT.
/// </remarks>
internal static class OrderSaves
{
    public static async Task RunAsync(TimeSpan duration, int rounds, int writers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        var (cluster, provider) = await SaveComparison.StartDataLayerAsync();
        await using var _ = cluster;
        await using var __ = provider;
        var store = provider.GetRequiredService<OrderStore>();
        var db = provider.GetRequiredService<NpgsqlDataSource>();
        var actor = new Actor("bench-user", "Bench");

        var products = new List<ProductSnapshot>();
        for (var i = 0; i < 3; i++)
        {
            var created = await provider.GetRequiredService<ProductStore>().CreateAsync(new ProductValues($"BENCH-L{i}", $"Line product {i}", string.Empty, 5m + i, 100, false), actor);
            products.Add(((SaveResult.Saved)created).Current);
        }

        // Each writer's order as its last save left it, and how many saves it has made (which line is next).
        var orders = new OrderSnapshot[writers];
        var turns = new int[writers];
        for (var i = 0; i < writers; i++)
        {
            var created = (OrderSaveResult.Saved)await store.CreateAsync(new OrderHeader($"Bench customer {i}", OrderStatus.Draft, "Saved over and over."), actor);
            var values = products.Aggregate(created.Current.Values, (v, p) => v.AddLine(p.Id, p.Values.Sku, p.Values.Name, 1 + p.Id % 5, p.Values.Price));
            orders[i] = ((OrderSaveResult.Saved)await store.SaveAsync(created.Current.Id, created.Current.Version, values, actor)).Current;
        }

        async Task EngineAsync(int i)
        {
            var o = orders[i];
            var line = o.Values.Lines[turns[i]++ % o.Values.Lines.Count];
            var result = await store.SaveAsync(o.Id, o.Version, o.Values.WithLine(line with { Quantity = (line.Quantity % 9) + 1 }), actor);
            orders[i] = result is OrderSaveResult.Saved saved && saved.Current.Version == o.Version + 1
                ? saved.Current
                : throw new InvalidOperationException($"engine: save of order {o.Id} at version {o.Version} gave {result}");
        }

        async Task RawAsync(int i, bool leaseCheck)
        {
            var o = orders[i];
            var h = o.Values.Header;
            await using var conn = await db.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            await using (var lockCmd = new NpgsqlCommand("SELECT * FROM orders WHERE id = $1 FOR UPDATE", conn, tx))
            {
                lockCmd.Parameters.Add(new() { Value = o.Id });
                await using var locked = await lockCmd.ExecuteReaderAsync();
                if (!await locked.ReadAsync() || locked.GetInt32(locked.GetOrdinal("version")) != o.Version)
                {
                    throw new InvalidOperationException($"raw: order {o.Id} is gone or not at version {o.Version}");
                }
            }

            if (leaseCheck)
            {
                await using var leaseCmd = new NpgsqlCommand("SELECT token, holder_name FROM leases WHERE resource_key = $1 AND expires_at > now() FOR SHARE", conn, tx);
                leaseCmd.Parameters.Add(new() { Value = ResourceKey.ForOrder(o.Id) });
                await using var lease = await leaseCmd.ExecuteReaderAsync();
                if (await lease.ReadAsync())
                {
                    throw new InvalidOperationException($"raw: order {o.Id} is checked out");
                }
            }

            var lines = new List<(Guid Id, int Quantity)>();
            await using (var linesCmd = new NpgsqlCommand("SELECT * FROM order_lines WHERE order_id = $1 ORDER BY position", conn, tx))
            {
                linesCmd.Parameters.Add(new() { Value = o.Id });
                await using var reader = await linesCmd.ExecuteReaderAsync();
                var (idColumn, quantityColumn) = (reader.GetOrdinal("id"), reader.GetOrdinal("quantity"));
                while (await reader.ReadAsync())
                {
                    lines.Add((reader.GetGuid(idColumn), reader.GetInt32(quantityColumn)));
                }
            }

            var (lineId, quantity) = lines[turns[i]++ % lines.Count];
            var newQuantity = (quantity % 9) + 1;
            await using (var lineCmd = new NpgsqlCommand("UPDATE order_lines SET quantity = $1 WHERE id = $2", conn, tx))
            {
                lineCmd.Parameters.Add(new() { Value = newQuantity });
                lineCmd.Parameters.Add(new() { Value = lineId });
                if (await lineCmd.ExecuteNonQueryAsync() != 1)
                {
                    throw new InvalidOperationException($"raw: line {lineId} of order {o.Id} is gone");
                }
            }

            int version;
            DateTimeOffset changedAt;
            await using (var bump = new NpgsqlCommand("""
                UPDATE orders SET customer_name = $1, status = $2, notes = $3,
                       version = version + 1, last_changed_by_id = $4, last_changed_by = $5, last_changed_at = now(),
                       last_save_id = $6
                 WHERE id = $7
                RETURNING version, last_changed_at
                """, conn, tx))
            {
                bump.Parameters.Add(new() { Value = h.CustomerName });
                bump.Parameters.Add(new() { Value = h.Status.ToString() });
                bump.Parameters.Add(new() { Value = h.Notes });
                bump.Parameters.Add(new() { Value = actor.UserId });
                bump.Parameters.Add(new() { Value = actor.DisplayName });
                bump.Parameters.Add(new() { Value = Guid.NewGuid() });
                bump.Parameters.Add(new() { Value = o.Id });
                await using var reader = await bump.ExecuteReaderAsync();
                await reader.ReadAsync();
                (version, changedAt) = (reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1));
            }

            await tx.CommitAsync();
            var line = o.Values.Lines.Single(l => l.LineId == lineId);
            orders[i] = line.Quantity == quantity && version == o.Version + 1
                ? o with { Values = o.Values.WithLine(line with { Quantity = newQuantity }), Version = version, LastChangedBy = actor.DisplayName, LastChangedAt = changedAt }
                : throw new InvalidOperationException($"raw: order {o.Id} was not as its last save left it");
        }

        SaveVariant[] variants = [new("raw Npgsql", i => RawAsync(i, leaseCheck: true)), new("raw, no lease", i => RawAsync(i, leaseCheck: false)), new("OrderStore", EngineAsync)];
        int[] levels = [writers];
        Console.WriteLine($"order-saves: order saves/s (one transaction, SELECT … FOR UPDATE, one line's quantity changed, version bumped), orders of {products.Count} lines, {duration.TotalSeconds:F0} s per measurement, median of {rounds}, {Environment.ProcessorCount} cores shared with the server");
        Console.WriteLine("  raw Npgsql: BEGIN; SELECT order FOR UPDATE (version check); SELECT lease FOR SHARE; SELECT lines; UPDATE line; UPDATE orders … version + 1 RETURNING; COMMIT. 'raw, no lease' skips the lease check.");
        var (rates, saves) = await SaveComparison.RunAsync(variants, levels, duration, rounds);
        var worst = SaveComparison.Print(variants, levels, rates);
        await StatementLog.PrintPerSaveAsync(cluster, variants);

        var stale = 0;
        foreach (var o in orders)
        {
            var current = await store.GetAsync(o.Id);
            if (current is null || current.Version != o.Version || !current.Values.SameAs(o.Values))
            {
                stale++;
            }
        }

        Console.WriteLine($"  {saves} measured saves, each at the version the previous save returned and each bumping it by one; orders whose final state differs from the database: {stale}");
        Console.WriteLine($"  target ratio (OrderStore / raw Npgsql with the same checks) >= 0.70: {(worst >= 0.7 ? "met" : "NOT met")}");
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Users;
using CollabEditor.Data.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace CollabEditor.Data.Tests;

/// <summary>
/// The coarse-grained lock on an order is a real database row lock: a save waits behind another
/// session's SELECT … FOR UPDATE and then sees what that session committed. Without an open
/// transaction (the negative control) nothing is held and nobody waits. Concurrent writers adding
/// lines to one order, merging their own conflicts, lose nothing.
/// </summary>
public sealed class OrderLockTests(ITestOutputHelper output) : DataTest
{
    private const int Writers = 16;
    private const int LinesPerWriter = 50;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private OrderStore Orders => Services.GetRequiredService<OrderStore>();

    /// <summary>One row of pg_locks joined with pg_stat_activity.</summary>
    private sealed record LockRow(int Pid, string LockType, string? Relation, string Mode, bool Granted, string? WaitEventType, string? WaitEvent, int[] BlockedBy, string Query)
    {
        public override string ToString() =>
            $"pid={Pid} locktype={LockType} relation={Relation ?? "-"} mode={Mode} granted={Granted} wait={WaitEventType ?? "-"}/{WaitEvent ?? "-"} blocked_by=[{string.Join(",", BlockedBy)}] query=\"{Query}\"";
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<int> BackendPidAsync(NpgsqlConnection connection)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        return (int)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<int> SelectForUpdateAsync(NpgsqlConnection connection, int id, NpgsqlTransaction? tx)
    {
        await using var cmd = new NpgsqlCommand("SELECT * FROM orders WHERE id = @id FOR UPDATE", connection, tx);
        cmd.Parameters.AddWithValue("id", id);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            rows++;
        }

        return rows;
    }

    /// <summary>The locks in this test's database, optionally only those not granted (waiters), seen from <paramref name="observer"/>.</summary>
    private static async Task<IReadOnlyList<LockRow>> LocksAsync(NpgsqlConnection observer, bool waitersOnly)
    {
        await using var cmd = new NpgsqlCommand(
            """
            SELECT a.pid, l.locktype, l.relation::regclass::text, l.mode, l.granted, a.wait_event_type, a.wait_event,
                   pg_blocking_pids(a.pid), left(regexp_replace(coalesce(a.query, ''), '\s+', ' ', 'g'), 90)
              FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
               AND (NOT @waitersOnly OR NOT l.granted)
               AND l.locktype IN ('relation', 'tuple', 'transactionid')
             ORDER BY a.pid, l.granted, l.locktype, l.relation::regclass::text
            """,
            observer);
        cmd.Parameters.AddWithValue("waitersOnly", waitersOnly);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<LockRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new LockRow(
                reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetBoolean(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetFieldValue<int[]>(7), reader.GetString(8)));
        }

        return rows;
    }

    /// <summary>A lock wait on the orders row: the relation itself, or (the usual row-lock wait) the holder's transaction id.</summary>
    private static bool IsOrderRowWait(LockRow l, int holderPid) =>
        !l.Granted && l.Pid != holderPid && (l.Relation == "orders" || l.LockType is "transactionid" or "tuple") && l.BlockedBy.Contains(holderPid);

    private static async Task<T> WaitUntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            await Task.Delay(10, cts.Token);
        }
    }

    private async Task<OrderSnapshot> CreateOrderAsync()
    {
        var created = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("Acme", OrderStatus.Draft, ""), Alice)).Current;
        Assert.Equal(1, created.Version);
        return created;
    }

    private void Print(string title, IEnumerable<LockRow> rows)
    {
        output.WriteLine(title);
        foreach (var row in rows)
        {
            output.WriteLine("  " + row);
        }
    }

    [Fact]
    public async Task TheLockIsReal_ASaveWaitsBehindSelectForUpdate_ThenSeesTheCommittedVersion()
    {
        var o = await CreateOrderAsync();
        var bobs = o.Values.WithHeader(o.Values.Header with { Notes = "Bob's" }).AddLine(1, "OAK-DES-001", "Oak desk", 1, 100m);
        await using var a = await OpenAsync();
        await using var observer = await OpenAsync();
        var aPid = await BackendPidAsync(a);

        // Session A: BEGIN; SELECT … FOR UPDATE; and keep the transaction open.
        await using var txA = await a.BeginTransactionAsync();
        Assert.Equal(1, await SelectForUpdateAsync(a, o.Id, txA));

        // Session B: the store's save, which must wait for A's row lock.
        var started = Stopwatch.StartNew();
        var b = Task.Run(() => Orders.SaveAsync(o.Id, 1, bobs, Bob));
        var waiting = await WaitUntilAsync(() => LocksAsync(observer, waitersOnly: false), rows => rows.Any(l => IsOrderRowWait(l, aPid)), Timeout);
        var waitedAfter = started.Elapsed;
        var bPid = waiting.First(l => IsOrderRowWait(l, aPid)).Pid;

        Assert.False(b.IsCompleted, "B completed while A held the row lock");
        Print($"pg_locks while A (pid {aPid}) holds FOR UPDATE and B (pid {bPid}) saves; B seen waiting after {waitedAfter.TotalMilliseconds:F0} ms:", waiting.Where(l => l.Pid == aPid || l.Pid == bPid));
        var bWait = waiting.Where(l => l.Pid == bPid && !l.Granted).ToList();
        Assert.Contains(bWait, l => l.BlockedBy.Contains(aPid));
        Assert.Contains(waiting, l => l.Pid == aPid && l.Relation == "orders" && l.Mode == "RowShareLock" && l.Granted);

        // A changes the order and commits; B wakes up, sees A's version, and refuses.
        await using (var update = new NpgsqlCommand("UPDATE orders SET version = version + 1, customer_name = 'A' WHERE id = @id", a, txA))
        {
            update.Parameters.AddWithValue("id", o.Id);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        Assert.False(b.IsCompleted, "B completed before A committed");
        await txA.CommitAsync();
        var result = await b.WaitAsync(Timeout);
        output.WriteLine($"A committed; B completed {started.Elapsed.TotalMilliseconds:F0} ms after it started: {result.GetType().Name}");

        var conflict = Assert.IsType<OrderSaveResult.Conflict>(result);
        Assert.Equal(2, conflict.Theirs.Version);
        Assert.Equal("A", conflict.Theirs.Values.Header.CustomerName);
        Assert.Empty(conflict.Theirs.Values.Lines);
        var now = (await Orders.GetAsync(o.Id))!;
        Assert.Equal((2, "A", "", 0), (now.Version, now.Values.Header.CustomerName, now.Values.Header.Notes, now.Values.Lines.Count));
        Assert.Empty(await LocksAsync(observer, waitersOnly: true));
    }

    [Fact]
    public async Task NegativeControl_SelectForUpdateInAutocommit_HoldsNothing_AndTheSaveDoesNotWait()
    {
        var o = await CreateOrderAsync();
        var bobs = o.Values.WithHeader(o.Values.Header with { Notes = "Bob's" }).AddLine(1, "OAK-DES-001", "Oak desk", 1, 100m);
        await using var a = await OpenAsync();
        await using var observer = await OpenAsync();
        var aPid = await BackendPidAsync(a);

        // The same statement without BEGIN: its lock ends with the statement.
        Assert.Equal(1, await SelectForUpdateAsync(a, o.Id, tx: null));
        var heldByA = (await LocksAsync(observer, waitersOnly: false)).Where(l => l.Pid == aPid).ToList();
        Print($"pg_locks of A (pid {aPid}) after its autocommit SELECT … FOR UPDATE: {heldByA.Count} rows", heldByA);
        Assert.Empty(heldByA);

        var started = Stopwatch.StartNew();
        var b = Task.Run(() => Orders.SaveAsync(o.Id, 1, bobs, Bob));
        var samples = 0;
        var waiters = new List<LockRow>();
        do
        {
            waiters.AddRange(await LocksAsync(observer, waitersOnly: true));
            samples++;
        }
        while (!b.IsCompleted && started.Elapsed < Timeout);

        var result = await b.WaitAsync(TimeSpan.FromSeconds(5));
        output.WriteLine($"B completed in {started.Elapsed.TotalMilliseconds:F0} ms: {result.GetType().Name}; {samples} pg_locks samples meanwhile, {waiters.Count} waiters seen");
        Print("waiters:", waiters);

        Assert.Empty(waiters);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"B took {started.Elapsed}");
        var saved = Assert.IsType<OrderSaveResult.Saved>(result).Current;
        Assert.Equal(2, saved.Version);
        Assert.Equal("Bob's", saved.Values.Header.Notes);
        Assert.Single(saved.Values.Lines);
    }

    [Fact]
    public async Task SixteenConcurrentWriters_EachAddingFiftyLines_ToTheSameOrder_MergingTheirOwnConflicts_LoseNothing()
    {
        var product = await CreateAsync();
        var o = await CreateOrderAsync();
        var added = new ConcurrentBag<Guid>();
        var versions = new ConcurrentBag<int>();
        var saves = 0;
        var conflicts = 0;
        var started = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var actor = new Actor($"writer-{w}", $"Writer {w}");
            for (var i = 0; i < LinesPerWriter; i++)
            {
                var snapshot = (await Orders.GetAsync(o.Id))!;
                var mine = snapshot.Values.AddLine(product.Id, product.Values.Sku, product.Values.Name, 1, 1m);
                added.Add(mine.Lines[^1].LineId);
                var (@base, version) = (snapshot.Values, snapshot.Version);
                while (true)
                {
                    var result = await Orders.SaveAsync(o.Id, version, mine, actor);
                    if (result is OrderSaveResult.Saved saved)
                    {
                        Interlocked.Increment(ref saves);
                        versions.Add(saved.Current.Version);
                        break;
                    }

                    var conflict = Assert.IsType<OrderSaveResult.Conflict>(result);
                    Interlocked.Increment(ref conflicts);
                    var merge = OrderMerge.Merge(@base, mine, conflict.Theirs.Values);
                    Assert.False(merge.HasConflicts, $"writer {w}: {merge.ConflictCount} conflicts merging an added line");
                    // The merged values are theirs plus my line: theirs is now the base of the next try.
                    (@base, mine, version) = (conflict.Theirs.Values, merge.Merged, conflict.Theirs.Version);
                }
            }
        })));

        var final = (await Orders.GetAsync(o.Id))!;
        var ids = final.Values.Lines.Select(l => l.LineId).ToHashSet();
        output.WriteLine($"{Writers} writers x {LinesPerWriter} lines: {saves} successful saves, {conflicts} conflicts retried by merging, {final.Values.Lines.Count} lines ({ids.Count} distinct ids), final version {final.Version}, total {final.Values.Total}, {started.Elapsed.TotalSeconds:F1} s");

        Assert.Equal(Writers * LinesPerWriter, saves);
        Assert.Equal(Writers * LinesPerWriter, final.Values.Lines.Count);
        Assert.Equal(Writers * LinesPerWriter, ids.Count);
        Assert.True(ids.SetEquals(added), "the order's lines are not exactly the lines the writers added");
        Assert.Equal(1 + saves, final.Version);
        Assert.Equal(Enumerable.Range(2, saves), versions.OrderBy(v => v));
        Assert.Equal(Writers * LinesPerWriter * 1m, final.Values.Total);
        Assert.Equal(Enumerable.Range(0, final.Values.Lines.Count), await PositionsAsync(o.Id));
    }

    private async Task<List<int>> PositionsAsync(int orderId)
    {
        await using var db = await DbAsync();
        return await db.OrderLines.Where(l => l.OrderId == orderId).Select(l => l.Position).OrderBy(p => p).ToListAsync();
    }
}

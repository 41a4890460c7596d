using System.Collections.Concurrent;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Products;
using CollabEditor.Data.Changes;
using CollabEditor.Data.Leases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CollabEditor.Data.Tests;

/// <summary>
/// Positions of changes (commit order, no gaps, across writers), the change log they are kept in, and
/// the listener replaying it after a drop instead of a resync.
/// </summary>
public sealed class ChangeLogTests : DataTest
{
    private static readonly System.Text.Json.JsonSerializerOptions Web = new(System.Text.Json.JsonSerializerDefaults.Web);

    private ChangeLog Log => Services.GetRequiredService<ChangeLog>();

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        return c;
    }

    private static async Task ExecAsync(NpgsqlConnection c, string sql, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Listens on <paramref name="channel"/> on its own connection and collects the payloads in arrival order.</summary>
    private async Task<(NpgsqlConnection Connection, ConcurrentQueue<string> Payloads)> ListenAsync(string channel)
    {
        var c = await OpenAsync();
        var payloads = new ConcurrentQueue<string>();
        c.Notification += (_, e) => payloads.Enqueue(e.Payload);
        await ExecAsync(c, $"LISTEN {channel}");
        return (c, payloads);
    }

    private static async Task DrainAsync(NpgsqlConnection listening, ConcurrentQueue<string> payloads, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (payloads.Count < count)
        {
            await listening.WaitAsync(timeout.Token);
        }
    }

    private static long PositionOf(string payload) =>
        System.Text.Json.JsonDocument.Parse(payload).RootElement.GetProperty("position").GetInt64();

    [Fact]
    public async Task APosition_IsTakenAtCommit_SoTheWriterThatCommitsFirstIsFirst_EvenIfItWroteLast()
    {
        var first = await CreateAsync(NewProduct("POS-A"));
        var second = await CreateAsync(NewProduct("POS-B"));
        var (listening, payloads) = await ListenAsync(ChangeListener.Channel);
        await using var _ = listening;

        // A writes first and commits last; B writes second and commits first.
        await using var a = await OpenAsync();
        await using var ta = await a.BeginTransactionAsync();
        await ExecAsync(a, $"UPDATE products SET stock = 1, version = version + 1 WHERE id = {first.Id}", ta);
        await using (var b = await OpenAsync())
        {
            await ExecAsync(b, $"UPDATE products SET stock = 2, version = version + 1 WHERE id = {second.Id}");
        }

        await ta.CommitAsync();
        await DrainAsync(listening, payloads, 2);

        var arrived = payloads.Select(PositionOf).ToArray();
        Assert.Equal(arrived[0] + 1, arrived[1]);
        Assert.Contains($"product/{second.Id}", payloads.First(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWriterAtRepeatableRead_CommitsAndIsAnnounced_WhileOthersCommitMeanwhile()
    {
        var mine = await CreateAsync(NewProduct("RR-MINE"));
        var theirs = await CreateAsync(NewProduct("RR-THEIRS"));
        var (listening, payloads) = await ListenAsync(ChangeListener.Channel);
        await using var _ = listening;

        await using var a = await OpenAsync();
        await using var ta = await a.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        await ExecAsync(a, "SELECT 1", ta);
        await using (var b = await OpenAsync())
        {
            await ExecAsync(b, $"UPDATE products SET stock = 2, version = version + 1 WHERE id = {theirs.Id}");
        }

        // A counter row every writer updates would fail this commit ("could not serialize access").
        await ExecAsync(a, $"UPDATE products SET stock = 1, version = version + 1 WHERE id = {mine.Id}", ta);
        await ta.CommitAsync();

        await DrainAsync(listening, payloads, 2);
        Assert.Contains($"product/{mine.Id}", payloads.Last(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneTransactionChangingARowTwice_AnnouncesWhatItCommitted_Once_AndANoOpUpdateNothing()
    {
        var p = await CreateAsync(NewProduct("TWICE"));
        var marker = await CreateAsync(NewProduct("TWICE-MARK"));
        var (listening, payloads) = await ListenAsync(ChangeListener.Channel);
        await using var _ = listening;

        await using (var c = await OpenAsync())
        {
            await using (var tx = await c.BeginTransactionAsync())
            {
                await ExecAsync(c, $"UPDATE products SET stock = 1, version = version + 1 WHERE id = {p.Id}", tx);
                await ExecAsync(c, $"UPDATE products SET name = 'Twice' WHERE id = {p.Id}", tx);
                await tx.CommitAsync();
            }

            await ExecAsync(c, $"UPDATE products SET name = name WHERE id = {p.Id}");
            await ExecAsync(c, $"UPDATE products SET stock = 5 WHERE id = {marker.Id}");
        }

        await DrainAsync(listening, payloads, 2);
        await Task.Delay(200);
        var events = payloads.Select(x => System.Text.Json.JsonSerializer.Deserialize<ChangeEvent>(x, Web)!).ToList();
        Assert.Equal([$"product/{p.Id}", $"product/{marker.Id}"], events.Select(e => e.Key));
        Assert.Equal(2, events[0].Version);
    }

    [Fact]
    public async Task NegativeControl_APositionTakenWhenWritten_ArrivesOutOfOrder_AndAReaderThatKeepsTheHighestSkipsOne()
    {
        // The classic outbox: a sequence number taken by the writing statement.
        await using (var setup = await OpenAsync())
        {
            await ExecAsync(setup, """
                CREATE SEQUENCE naive_position;
                CREATE TABLE naive_items (id int PRIMARY KEY, n int NOT NULL);
                INSERT INTO naive_items VALUES (1, 0), (2, 0);
                CREATE FUNCTION naive_announce() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('naive', json_build_object('position', nextval('naive_position'))::text);
                    RETURN NULL;
                END $$;
                CREATE TRIGGER naive_announce AFTER UPDATE ON naive_items FOR EACH ROW EXECUTE FUNCTION naive_announce();
                """);
        }

        var (listening, payloads) = await ListenAsync("naive");
        await using var _ = listening;
        await using var a = await OpenAsync();
        await using var ta = await a.BeginTransactionAsync();
        await ExecAsync(a, "UPDATE naive_items SET n = n + 1 WHERE id = 1", ta);
        await using (var b = await OpenAsync())
        {
            await ExecAsync(b, "UPDATE naive_items SET n = n + 1 WHERE id = 2");
        }

        await ta.CommitAsync();
        await DrainAsync(listening, payloads, 2);

        // 2 arrives before 1: a resuming reader at "2" has skipped 1 for good.
        Assert.Equal([2L, 1L], payloads.Select(PositionOf));
    }

    [Fact]
    public async Task ConcurrentWriters_GetEveryPositionOnce_WithoutGaps_InCommitOrder_VersionsInOrderPerKey()
    {
        const int writers = 8;
        const int rounds = 40;
        var products = new List<ProductSnapshot>();
        for (var i = 0; i < 4; i++)
        {
            products.Add(await CreateAsync(NewProduct($"RACE-{i}")));
        }

        var leases = Services.GetRequiredService<LeaseStore>();
        var start = await Log.HeadAsync();
        var (listening, payloads) = await ListenAsync(ChangeListener.Channel);
        await using var _ = listening;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var collecting = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await listening.WaitAsync(stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // Collected for the time given.
            }
        });

        // Writers save shared products with version retries, and check leases out and in.
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var r = 0; r < rounds; r++)
            {
                var target = products[random.Next(products.Count)];
                if (r % 4 == 3)
                {
                    var key = ResourceKey.ForProduct(target.Id);
                    if (await leases.AcquireAsync(key, Bob, $"writer-{w}") is AcquireResult.Granted g)
                    {
                        await leases.ReleaseAsync(key, g.Lease.Token, Bob);
                    }

                    continue;
                }

                while (true)
                {
                    var current = (await Store.GetAsync(target.Id))!;
                    if (await Store.UpdateAsync(target.Id, current.Version, current.Values with { Stock = current.Values.Stock + 1 }, Alice) is SaveResult.Saved)
                    {
                        break;
                    }
                }
            }
        })));

        var end = await Log.HeadAsync();
        var expected = (int)(end - start);
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while (payloads.Count(p => p.Contains("\"position\"", StringComparison.Ordinal)) < expected && !wait.IsCancellationRequested)
            {
                await Task.Delay(20);
            }
        }

        var events = payloads.Select(p => System.Text.Json.JsonSerializer.Deserialize<ChangeEvent>(p, Web)!)
            .Where(e => e.Position > 0).ToList();
        Assert.True(expected > writers * rounds / 2, $"only {expected} changes");
        Assert.Equal(Enumerable.Range(1, expected).Select(i => start + i), events.Select(e => e.Position));
        foreach (var key in events.Where(e => e.Kind == ChangeKind.Saved).GroupBy(e => e.Key))
        {
            var versions = key.Select(e => e.Version).ToList();
            Assert.Equal(versions.Order(), versions);
            Assert.Equal(versions.Count, versions.Distinct().Count());
        }

        // The log holds the same, in the same order.
        var logged = await Log.ReadAsync(start, end);
        Assert.Equal(events, logged);
        await stop.CancelAsync();
        await collecting;
    }

    [Fact]
    public async Task ReadAsync_ForAPrunedRange_IsNull_AndPrune_KeepsTheNewest()
    {
        var p = await CreateAsync();
        await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 2 }, Bob);
        var head = await Log.HeadAsync();
        Assert.Equal(2, (await Log.ReadAsync(head - 2, head))!.Count);
        Assert.Empty((await Log.ReadAsync(head, head + 1))!);

        await using (var c = await OpenAsync())
        {
            await ExecAsync(c, "UPDATE change_log SET at = now() - interval '3 days'");
        }

        Assert.Equal(1, await Log.PruneAsync());
        Assert.Null(await Log.ReadAsync(head - 2, head));
        Assert.Single((await Log.ReadAsync(head - 1, head))!);
        Assert.Empty((await Log.ReadAsync(head, head))!);
    }

    /// <summary>A listener on its own feed and a fake clock (its reconnect delays wait for the test).</summary>
    private sealed class Rig(ChangeListener listener, ChangeFeed feed, FakeTimeProvider time) : IAsyncDisposable
    {
        public ChangeListener Listener => listener;

        public FakeTimeProvider Time => time;

        public ConcurrentQueue<ChangeEvent> Events { get; } = new();

        public IDisposable Subscribe() => feed.Subscribe(_ => true, batch =>
        {
            foreach (var e in batch)
            {
                Events.Enqueue(e);
            }

            return Task.CompletedTask;
        });

        public async ValueTask DisposeAsync() => await listener.StopAsync(CancellationToken.None);
    }

    private async Task<Rig> StartListenerAsync(TimeSpan healthyAfter)
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var feed = new ChangeFeed(TimeProvider.System);
        var options = Options.Create(new ChangeLogOptions { ListenerHealthyAfter = healthyAfter });
        var listener = new ChangeListener(new CollabConnection(ConnectionString), feed, Log, options, time, NullLogger<ChangeListener>.Instance);
        await listener.StartAsync(CancellationToken.None);
        await listener.Listening.WaitAsync(TimeSpan.FromSeconds(10));
        return new Rig(listener, feed, time);
    }

    private async Task KillAsync(ChangeListener listener)
    {
        var pid = listener.BackendProcessId!.Value;
        await using var c = await OpenAsync();
        await using var kill = new NpgsqlCommand($"SELECT pg_terminate_backend({pid})", c);
        Assert.True((bool)(await kill.ExecuteScalarAsync())!);
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            Assert.False(timeout.IsCancellationRequested, $"timed out waiting for: {what}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task AfterADrop_TheListenerReplaysWhatWasCommittedMeanwhile_InOrder_Once_WithoutAResync()
    {
        var p = await CreateAsync();
        await using var rig = await StartListenerAsync(TimeSpan.FromHours(1));
        using var _ = rig.Subscribe();

        await KillAsync(rig.Listener);
        // The reconnect waits on the fake clock: everything below is committed while nobody listens.
        await EventuallyAsync(() => rig.Listener.LastReconnectAttempt == 1, "the first reconnect attempt");
        var version = 1;
        for (var i = 0; i < 30; i++)
        {
            Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(p.Id, version, p.Values with { Stock = i }, Bob));
            version++;
        }

        rig.Time.Advance(TimeSpan.FromSeconds(10));
        await EventuallyAsync(() => rig.Events.Count(e => e.Kind == ChangeKind.Saved) >= 30, "the replayed saves");
        var created = p.Version;
        await Store.UpdateAsync(p.Id, version, p.Values with { Stock = 99 }, Bob);
        await EventuallyAsync(() => rig.Events.Count(e => e.Kind == ChangeKind.Saved) >= 31, "a live save after the replay");

        var saves = rig.Events.Where(e => e.Kind == ChangeKind.Saved).ToList();
        Assert.Equal(Enumerable.Range(created + 1, 31).Select(v => (long)v), saves.Select(e => e.Version));
        Assert.DoesNotContain(rig.Events, e => e.Kind == ChangeKind.Resync);
        Assert.Contains(rig.Events, e => e == ChangeEvent.PresenceResync);
        Assert.Equal(1, rig.Listener.Reconnects);
    }

    [Fact]
    public async Task WhenTheLogNoLongerCoversTheGap_TheListenerPublishesAResync()
    {
        var p = await CreateAsync();
        await using var rig = await StartListenerAsync(TimeSpan.FromHours(1));
        using var _ = rig.Subscribe();

        await KillAsync(rig.Listener);
        await EventuallyAsync(() => rig.Listener.LastReconnectAttempt == 1, "the first reconnect attempt");
        await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 1 }, Bob);
        await Store.UpdateAsync(p.Id, 2, p.Values with { Stock = 2 }, Bob);
        await using (var c = await OpenAsync())
        {
            // Pruned while the listener was away.
            await ExecAsync(c, "DELETE FROM change_log WHERE position < (SELECT max(position) FROM change_log)");
        }

        rig.Time.Advance(TimeSpan.FromSeconds(10));
        await EventuallyAsync(() => rig.Events.Any(e => e.Kind == ChangeKind.Resync), "a resync");
        await Store.UpdateAsync(p.Id, 3, p.Values with { Stock = 3 }, Bob);
        await EventuallyAsync(() => rig.Events.Any(e => e.Version == 4), "live changes after the resync");
    }

    [Fact]
    public async Task AfterAHealthyPeriod_EachDropReconnectsAtOnce_TheBackoffStartsAgain()
    {
        var attempts = await AttemptsOverDropsAsync(healthyAfter: TimeSpan.FromSeconds(1));
        Assert.Equal([0, 0, 0, 0], attempts);
    }

    [Fact]
    public async Task NegativeControl_WithoutTheReset_EveryDropWaitsLonger()
    {
        var attempts = await AttemptsOverDropsAsync(healthyAfter: TimeSpan.FromHours(1));
        Assert.Equal([1, 2, 3, 4], attempts);
    }

    /// <summary>Drops the connection four times, each after a minute up; returns the reconnect attempt number of each.</summary>
    private async Task<List<int>> AttemptsOverDropsAsync(TimeSpan healthyAfter)
    {
        await using var rig = await StartListenerAsync(healthyAfter);
        var attempts = new List<int>();
        for (var drop = 1; drop <= 4; drop++)
        {
            rig.Time.Advance(TimeSpan.FromMinutes(1));
            var before = rig.Listener.LastReconnectAttempt;
            await KillAsync(rig.Listener);
            // Reconnected either at once (attempt 0) or after a retry that waits on the fake clock.
            await EventuallyAsync(() => rig.Listener.Reconnects == drop || rig.Listener.LastReconnectAttempt != before, "a reconnect or a retry");
            attempts.Add(rig.Listener.LastReconnectAttempt);
            while (rig.Listener.Reconnects < drop)
            {
                rig.Time.Advance(TimeSpan.FromSeconds(5));
                await Task.Delay(20);
            }
        }

        return attempts;
    }
}

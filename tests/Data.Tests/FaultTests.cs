using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Changes;
using CollabEditor.Data.Diagnostics;
using CollabEditor.Data.LocalPostgres;
using CollabEditor.Data.Products;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace CollabEditor.Data.Tests;

/// <summary>
/// Database faults while writers save continuously (issue "Hardening"): a PostgreSQL restart, and
/// killed app connections. The app must recover by itself within 10 s, lose no acknowledged save,
/// apply none twice, and the live feed must announce every committed version once, in order. Each test runs on its own throwaway cluster:
/// restarting the shared one would break the test classes running beside it.
/// </summary>
public sealed class FaultTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const int Writers = 8;
    private static readonly TimeSpan FaultAfter = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MinimumRun = TimeSpan.FromSeconds(12);
    private static readonly TimeSpan RunAfterFaultStart = TimeSpan.FromSeconds(12);
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WriterBackOff = TimeSpan.FromMilliseconds(100);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Channel<(TimeSpan At, ChangeEvent Change)> _events = Channel.CreateUnbounded<(TimeSpan, ChangeEvent)>();
    private readonly System.Collections.Concurrent.ConcurrentQueue<ChangeEvent> _all = new();
    private LocalPostgresCluster _cluster = default!;
    private ServiceProvider _services = default!;
    private ChangeListener _listener = default!;
    private IDisposable? _subscription;
    private readonly MeterListener _meters = new();
    private string _connectionString = string.Empty;
    private long _retries;

    public async Task InitializeAsync()
    {
        // The app's retry counter, for the report (process-wide: parallel test classes may add to it).
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CollabMetrics.MeterName && instrument.Name == "collab.db.retries")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _retries, value));
        _meters.Start();

        _cluster = await LocalPostgresCluster.StartThrowawayAsync();
        _connectionString = await _cluster.EnsureDatabaseAsync("faults");
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddCollabData(_connectionString);
        services.AddCollabLiveChanges();
        _services = services.BuildServiceProvider();
        await _services.MigrateCollabDatabaseAsync();

        _subscription = _services.GetRequiredService<ChangeFeed>().Subscribe(_ => true, async batch =>
        {
            var at = _clock.Elapsed;
            foreach (var e in batch)
            {
                _all.Enqueue(e);
                await _events.Writer.WriteAsync((at, e));
            }
        });
        _listener = _services.GetRequiredService<ChangeListener>();
        await _listener.StartAsync(CancellationToken.None);
        await _listener.Listening.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync()
    {
        _subscription?.Dispose();
        if (_listener is not null)
        {
            await _listener.StopAsync(CancellationToken.None);
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public void Dispose() => _meters.Dispose();

    [Fact]
    public async Task APostgresRestart_WhileEightWritersSave_RecoversWithin10s_LosesNothing_AppliesNothingTwice_AndAnnouncesEveryVersion()
    {
        var run = await RunWritersThroughAsync("pg_ctl restart -m fast", async () =>
        {
            await _cluster.RestartAsync();
            return "server restarted";
        });

        run.AssertAll();
    }

    [Fact]
    public async Task KilledAppConnections_WhileEightWritersSave_RecoverWithin10s_LoseNothing_ApplyNothingTwice_AndAnnounceEveryVersion()
    {
        var run = await RunWritersThroughAsync("pg_terminate_backend every 300 ms for 3 s", async () =>
        {
            await using var killer = new NpgsqlConnection(_connectionString + ";Pooling=false");
            await killer.OpenAsync();
            var rounds = 0;
            var terminated = 0L;
            var until = _clock.Elapsed + TimeSpan.FromSeconds(3);
            while (_clock.Elapsed < until)
            {
                await using (var kill = new NpgsqlCommand(
                    """
                    SELECT count(*) FROM (
                        SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
                         WHERE datname = current_database() AND pid <> pg_backend_pid()
                    ) k WHERE terminated
                    """,
                    killer))
                {
                    terminated += (long)(await kill.ExecuteScalarAsync())!;
                }

                rounds++;
                await Task.Delay(TimeSpan.FromMilliseconds(300));
            }

            return $"{rounds} rounds, {terminated} backends terminated";
        });

        run.AssertAll();
    }

    /// <summary>
    /// One product per writer; each writer loops read → save stock+1 until the run ends. The fault
    /// starts after <see cref="FaultAfter"/>; writers go on for <see cref="RunAfterFaultStart"/> more.
    /// </summary>
    private async Task<RunReport> RunWritersThroughAsync(string faultName, Func<Task<string>> fault)
    {
        var store = _services.GetRequiredService<ProductStore>();
        var writers = new Writer[Writers];
        for (var i = 0; i < Writers; i++)
        {
            var actor = new Actor($"writer-{i}", $"Writer {i}");
            var created = await store.CreateAsync(new ProductValues($"FAULT-{i:D2}", $"Fault product {i}", "Written by one writer only.", 10m, 0, false), actor);
            writers[i] = new Writer(i, Assert.IsType<SaveResult.Saved>(created).Current.Id, actor);
        }

        using var stop = new CancellationTokenSource();
        var started = _clock.Elapsed;
        var retriesBefore = Interlocked.Read(ref _retries);
        var loops = writers.Select(w => Task.Run(() => WriteUntilStoppedAsync(store, w, stop.Token))).ToArray();

        await Task.Delay(FaultAfter);
        var faultStart = _clock.Elapsed;
        var faultDetail = await fault();
        var faultEnd = _clock.Elapsed;

        var end = started + MinimumRun > faultStart + RunAfterFaultStart ? started + MinimumRun : faultStart + RunAfterFaultStart;
        if (end > _clock.Elapsed)
        {
            await Task.Delay(end - _clock.Elapsed);
        }

        await stop.CancelAsync();
        await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(60));
        var runTime = _clock.Elapsed - started;
        var retries = Interlocked.Read(ref _retries) - retriesBefore;

        // The listener reconnects and replays from the change log what it missed; live events flow again.
        using (var reconnect = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            while (_listener.Reconnects == 0 && !reconnect.IsCancellationRequested)
            {
                await Task.Delay(50);
            }
        }

        var probe = writers[0];
        var before = (await store.GetAsync(probe.ProductId))!;
        var probeResult = await store.UpdateAsync(probe.ProductId, before.Version, before.Values with { Name = "Probe after the fault" }, probe.Actor);
        var probeSaved = Assert.IsType<SaveResult.Saved>(probeResult).Current;
        var probeEventAt = await WaitForEventAsync(
            e => e.Change.Kind == ChangeKind.Saved && e.Change.Key == ResourceKey.ForProduct(probe.ProductId) && e.Change.Version == probeSaved.Version,
            TimeSpan.FromSeconds(10));

        var finals = new List<ProductSnapshot>();
        foreach (var w in writers)
        {
            finals.Add((await store.GetAsync(w.ProductId))!);
        }

        // Every committed version of every writer's product, as the feed announced them.
        var announced = writers.ToDictionary(w => w.Index, w => _all
            .Where(e => e.Kind == ChangeKind.Saved && e.Key == ResourceKey.ForProduct(w.ProductId))
            .Select(e => (int)e.Version).ToList());
        var report = new RunReport(faultName, faultDetail, runTime, faultStart - started, faultEnd - faultStart, writers, finals, probeSaved.Version,
            _all.Count(e => e.Kind == ChangeKind.Resync), announced, probeEventAt is not null, _listener.Reconnects, retries, faultStart, faultEnd);
        report.Print(output);
        return report;
    }

    private async Task WriteUntilStoppedAsync(ProductStore store, Writer w, CancellationToken stop)
    {
        // The stop token only ends the loop: a save is never cancelled half-way.
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var current = (await store.GetAsync(w.ProductId, CancellationToken.None))!;
                var result = await store.UpdateAsync(w.ProductId, current.Version, current.Values with { Stock = current.Values.Stock + 1 }, w.Actor, ct: CancellationToken.None);
                switch (result)
                {
                    case SaveResult.Saved saved:
                        w.Acknowledged(_clock.Elapsed, saved.Current);
                        break;
                    case SaveResult.Conflict:
                        // Nobody else writes this product: a conflict means a save of ours landed unseen.
                        w.Conflicts++;
                        break;
                    default:
                        w.Unexpected.Add(result.ToString());
                        break;
                }
            }
            catch (Exception ex)
            {
                // The database stayed unreachable longer than the app's retries: back off, re-read, try again.
                w.Failed(_clock.Elapsed, ex);
                await Task.Delay(WriterBackOff, CancellationToken.None);
            }
        }
    }

    /// <summary>The time the first event matching <paramref name="match"/> reached the feed, or null after <paramref name="timeout"/>.</summary>
    private async Task<TimeSpan?> WaitForEventAsync(Func<(TimeSpan At, ChangeEvent Change), bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var e = await _events.Reader.ReadAsync(cts.Token);
                if (match(e))
                {
                    return e.At;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private sealed class Writer(int index, int productId, Actor actor)
    {
        public int Index => index;

        public int ProductId => productId;

        public Actor Actor => actor;

        /// <summary>When each save was acknowledged (SaveResult.Saved came back).</summary>
        public List<TimeSpan> Acks { get; } = [];

        /// <summary>Acknowledged saves whose stock or version was not the writer's own count: a save counted twice.</summary>
        public List<string> Mismatches { get; } = [];

        public List<(TimeSpan At, Exception Error)> Errors { get; } = [];

        public List<string> Unexpected { get; } = [];

        public int Conflicts { get; set; }

        public void Acknowledged(TimeSpan at, ProductSnapshot current)
        {
            Acks.Add(at);
            if (current.Values.Stock != Acks.Count || current.Version != Acks.Count + 1)
            {
                Mismatches.Add($"ack #{Acks.Count} at {at.TotalSeconds:F2} s returned stock {current.Values.Stock}, version {current.Version}");
            }
        }

        public void Failed(TimeSpan at, Exception error) => Errors.Add((at, error));

        /// <summary>The first acknowledgement at or after <paramref name="from"/>.</summary>
        public TimeSpan? FirstAckFrom(TimeSpan from) => Acks.Cast<TimeSpan?>().FirstOrDefault(a => a >= from);

        /// <summary>The longest time without an acknowledgement that overlaps the window starting at <paramref name="from"/>.</summary>
        public TimeSpan LongestStallFrom(TimeSpan from, TimeSpan runEnd)
        {
            var longest = TimeSpan.Zero;
            var previous = Acks.LastOrDefault(a => a < from);
            foreach (var a in Acks.Where(a => a >= from).Append(runEnd))
            {
                longest = a - previous > longest ? a - previous : longest;
                previous = a;
            }

            return longest;
        }
    }

    private sealed record RunReport(
        string Fault,
        string FaultDetail,
        TimeSpan RunTime,
        TimeSpan FaultStartedAfter,
        TimeSpan FaultDuration,
        Writer[] Writers,
        List<ProductSnapshot> Finals,
        int ProbeVersion,
        int Resyncs,
        Dictionary<int, List<int>> Announced,
        bool ProbeAnnounced,
        int ListenerReconnects,
        long AppRetries,
        TimeSpan FaultStart,
        TimeSpan FaultEnd)
    {
        private IEnumerable<(Writer W, ProductSnapshot Final, int Expected)> Products =>
            Writers.Zip(Finals, (w, f) => (w, f, w.Index == 0 ? 1 : 0));

        private int Acknowledged => Writers.Sum(w => w.Acks.Count);

        private int Exceptions => Writers.Sum(w => w.Errors.Count);

        /// <summary>The brief's figure: first acknowledged save after the fault began, minus its start.</summary>
        private TimeSpan? FirstAckAfterFaultStart =>
            Writers.Select(w => w.FirstAckFrom(FaultStart)).Where(a => a is not null).Min() - FaultStart;

        /// <summary>Per writer: the first save acknowledged once the fault was over, minus the fault's start.</summary>
        private TimeSpan?[] WriterRecovery => [.. Writers.Select(w => w.FirstAckFrom(FaultEnd) - FaultStart)];

        private TimeSpan[] WriterStalls => [.. Writers.Select(w => w.LongestStallFrom(FaultStart, FaultStart - FaultStartedAfter + RunTime))];

        public void Print(ITestOutputHelper output)
        {
            static string S(TimeSpan? t) => t is { } v ? $"{v.TotalSeconds:F2} s" : "never";
            output.WriteLine($"fault: {Fault} ({FaultDetail}), began {S(FaultStartedAfter)} into the run, took {S(FaultDuration)}; run {S(RunTime)}");
            output.WriteLine($"saves acknowledged: {Acknowledged}; exceptions seen by writers: {Exceptions}; conflicts: {Writers.Sum(w => w.Conflicts)}; unexpected results: {Writers.Sum(w => w.Unexpected.Count)}; retries inside the app: {AppRetries}");
            output.WriteLine($"recovery: first ack after fault start {S(FirstAckAfterFaultStart)}; per writer first ack after fault end, from fault start: " +
                $"min {S(WriterRecovery.Min())}, max {S(WriterRecovery.Any(r => r is null) ? null : WriterRecovery.Max())}; longest stall of any writer {S(WriterStalls.Max())}");
            output.WriteLine($"listener: reconnects {ListenerReconnects}, resyncs {Resyncs}; versions announced {Announced.Values.Sum(v => v.Count)} of {Finals.Sum(f => f.Version - 1)} saved; probe save v{ProbeVersion} event {(ProbeAnnounced ? "arrived" : "never arrived")}");
            foreach (var (w, final, probe) in Products)
            {
                var applied = final.Values.Stock;
                output.WriteLine($"  writer {w.Index}: product {w.ProductId} acked {w.Acks.Count}, final stock {applied} ({applied - w.Acks.Count:+0;-0;0} vs acked), " +
                    $"final version {final.Version} (expected {1 + w.Acks.Count + probe}), exceptions {w.Errors.Count}, conflicts {w.Conflicts}, " +
                    $"recovered {S(w.FirstAckFrom(FaultEnd) - FaultStart)}, longest stall {S(w.LongestStallFrom(FaultStart, FaultStart - FaultStartedAfter + RunTime))}");
                foreach (var m in w.Mismatches.Take(3))
                {
                    output.WriteLine($"    mismatch: {m}");
                }
            }

            foreach (var g in Writers.SelectMany(w => w.Errors).GroupBy(e => Describe(e.Error)).OrderByDescending(g => g.Count()))
            {
                output.WriteLine($"  {g.Count()} x {g.Key} (first at {S(g.Min(e => e.At) - FaultStart)} after fault start, last at {S(g.Max(e => e.At) - FaultStart)})");
            }

            foreach (var u in Writers.SelectMany(w => w.Unexpected).Distinct().Take(5))
            {
                output.WriteLine($"  unexpected result: {u}");
            }
        }

        public void AssertAll()
        {
            Assert.All(Products, p =>
            {
                // No acknowledged save lost, none applied twice (or applied without being acknowledged).
                Assert.True(p.Final.Values.Stock == p.W.Acks.Count,
                    $"writer {p.W.Index}: stock {p.Final.Values.Stock} but {p.W.Acks.Count} saves acknowledged ({p.Final.Values.Stock - p.W.Acks.Count:+0;-0} applied vs acknowledged)");
                Assert.True(p.Final.Version == 1 + p.W.Acks.Count + p.Expected,
                    $"writer {p.W.Index}: version {p.Final.Version} but {p.W.Acks.Count} saves acknowledged");
                Assert.Empty(p.W.Mismatches);
            });
            Assert.All(Writers, w => Assert.Empty(w.Unexpected));
            Assert.All(Writers, w => Assert.True(w.Conflicts == 0, $"writer {w.Index}: {w.Conflicts} conflicts on a product nobody else writes (a save of its own landed unacknowledged)"));

            // Recovered by itself, every writer, within the limit.
            Assert.All(Writers, w =>
            {
                var recovered = w.FirstAckFrom(FaultEnd) - FaultStart;
                Assert.True(recovered is not null && recovered <= RecoveryLimit, $"writer {w.Index}: first save after the fault acknowledged {recovered?.TotalSeconds:F2} s after it began (limit {RecoveryLimit.TotalSeconds} s)");
                var stall = w.LongestStallFrom(FaultStart, FaultStart - FaultStartedAfter + RunTime);
                Assert.True(stall <= RecoveryLimit, $"writer {w.Index}: {stall.TotalSeconds:F2} s without an acknowledged save");
            });

            // The live feed announced every committed version once, in order, across the fault (the
            // listener replayed what it missed from the change log: no resync was needed).
            Assert.True(ListenerReconnects >= 1, "the listener never reconnected");
            Assert.All(Products, p => Assert.Equal(Enumerable.Range(2, p.Final.Version - 1), Announced[p.W.Index]));
            Assert.Equal(0, Resyncs);
            Assert.True(ProbeAnnounced, "a save after the fault was not announced on the live feed");

            // Transient faults are retried inside the app: none should reach the writers.
            Assert.True(Exceptions == 0, $"{Exceptions} exceptions reached the writers: {string.Join("; ", Writers.SelectMany(w => w.Errors).Select(e => Describe(e.Error)).Distinct().Take(5))}");
        }

        private static string Describe(Exception ex)
        {
            var parts = new List<string>();
            for (var e = ex; e is not null; e = e.InnerException)
            {
                parts.Add(e is PostgresException p ? $"{e.GetType().Name} {p.SqlState}: {p.MessageText}" : $"{e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }

            return string.Join(" <- ", parts);
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Users;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Commit-to-client latency: N SignalR connections follow "products" while product saves commit at a
/// fixed rate through the app's save path. The app and its database run in this process (pinned to
/// core 0 with taskset where it exists and there are two cores or more); the N clients run in a child
/// process (<see cref="LiveLatencyClients"/>, pinned to core 1). Latency is from just before the save's
/// UPDATE is sent to the moment a client's handler runs, on the shared monotonic clock (an upper bound
/// on commit-to-client). Each N gets fresh clients, a warm-up (checked, not measured) and the run.
/// </summary>
internal static class LiveLatency
{
    /// <summary>Set by the re-exec under taskset (the server's core), or "child" in the clients' process.</summary>
    public const string PinnedVariable = "COLLAB_LIVE_LATENCY_PINNED";

    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs the benchmark, first re-running this process under <c>taskset -c 0</c> when it can, so the
    /// runtime, the app and the PostgreSQL it starts all see one core from the start.
    /// </summary>
    public static async Task<int> RunAsync(IReadOnlyList<int> counts, int savesPerSecond, TimeSpan duration, string protocol, bool pin, bool trace)
    {
        var taskset = pin ? FindTaskset() : null;
        var pinned = Environment.GetEnvironmentVariable(PinnedVariable);
        if (taskset is not null && Environment.ProcessorCount >= 2 && pinned is null)
        {
            return await ReExecPinnedAsync(taskset);
        }

        string[]? clientsPin = null;
        string sharing;
        if (pinned == "0" && taskset is not null)
        {
            clientsPin = [taskset, "-c", "1"];
            sharing = "pinned with taskset: server, its PostgreSQL and the save loop on core 0; the clients' process on core 1 (other processes on the machine are not pinned and may use either core)";
        }
        else
        {
            var why = !pin ? "pinning turned off (nopin)" : taskset is null ? "taskset not found" : $"{Environment.ProcessorCount} core(s) visible";
            sharing = $"NOT pinned ({why}): server, PostgreSQL and the clients' process share all {Environment.ProcessorCount} cores";
        }

        await RunPinnedAsync(counts, savesPerSecond, duration, protocol, clientsPin, sharing, trace);
        return 0;
    }

    private static async Task RunPinnedAsync(IReadOnlyList<int> counts, int savesPerSecond, TimeSpan duration, string protocol, string[]? clientsPin, string sharing, bool trace)
    {
        if (protocol is not ("json" or "messagepack"))
        {
            throw new ArgumentException($"protocol must be json or messagepack, not '{protocol}'", nameof(protocol));
        }

        Console.WriteLine($"live-latency: {string.Join(", ", counts)} SignalR subscribers on 'products' ({protocol}) in a separate process, {savesPerSecond} saves/s for {duration.TotalSeconds:F0} s each (after {WarmUp.TotalSeconds:F0} s of warm-up saves, checked but not measured)");
        Console.WriteLine($"  cores: {sharing}; this process sees {Environment.ProcessorCount} core(s), server GC {System.Runtime.GCSettings.IsServerGC}");
        Console.WriteLine($"  load average at the start: {SaveComparison.LoadAverage()}");
        using var sendTrace = trace ? new HubSendTrace() : null;
        var (app, cluster) = await BenchApp.StartAsync();
        await using var _ = cluster;
        using var __ = app;
        var cookies = await app.SignInAsync("alice");
        var cookieHeader = cookies.GetCookieHeader(app.BaseAddress);
        var store = app.Services.GetRequiredService<ProductStore>();
        // Products anyone may save without checking them out (the demo data has some that require it).
        var products = (await store.ListAsync(new ProductQuery(PageSize: 200))).Items.Where(p => !p.Values.RequiresCheckout).Take(50).ToDictionary(p => p.Id);
        var ids = products.Keys.ToArray();
        var actor = new Actor("bench", "Bench");
        var feed = app.Services.GetRequiredService<ChangeFeed>();
        var rows = new List<string>();
        var allMet = true;
        foreach (var n in counts)
        {
            var (clients, connectSeconds, clientCores) = await LiveLatencyClients.StartAsync(app.BaseAddress, cookieHeader, n, protocol, clientsPin);
            await using (clients)
            {
                Console.WriteLine($"  {n} clients connected and joined in {connectSeconds:F1} s (their process sees {clientCores} core(s))");
                // The same events as this instance's feed sees them: database commit → LISTEN connection.
                var sentAt = new ConcurrentDictionary<(string, long), long>();
                var feedLatencies = new ConcurrentBag<double>();
                using var feedSubscription = feed.Subscribe(_ => true, batch =>
                {
                    var now = Stopwatch.GetTimestamp();
                    foreach (var e in batch)
                    {
                        if (sentAt.TryGetValue((e.Key, e.Version), out var t0))
                        {
                            feedLatencies.Add(Stopwatch.GetElapsedTime(t0, now).TotalMilliseconds);
                        }
                    }

                    return Task.CompletedTask;
                });
                var saves = new List<(string Key, long Version, long T0, long T1, bool Measured)>();
                var cores = CoreTimes.Read();
                using var self = Process.GetCurrentProcess();
                var cpu = self.TotalProcessorTime;
                var gc = GcCounts.Read();
                var allocated = GC.GetTotalAllocatedBytes();
                var measuredSince = 0L;
                using (var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / savesPerSecond)))
                {
                    var clock = Stopwatch.StartNew();
                    var end = WarmUp + duration;
                    while (clock.Elapsed < end && await timer.WaitForNextTickAsync())
                    {
                        var measured = clock.Elapsed >= WarmUp;
                        if (measured && measuredSince == 0)
                        {
                            // The core and CPU figures cover the measured part only.
                            measuredSince = Stopwatch.GetTimestamp();
                            cores = CoreTimes.Read();
                            self.Refresh();
                            cpu = self.TotalProcessorTime;
                            gc = GcCounts.Read();
                            allocated = GC.GetTotalAllocatedBytes();
                            sendTrace?.Reset();
                        }

                        var p = products[ids[saves.Count % ids.Length]];
                        var key = ResourceKey.ForProduct(p.Id);
                        var t0 = Stopwatch.GetTimestamp();
                        sentAt[(key, p.Version + 1)] = t0;
                        var result = await store.UpdateAsync(p.Id, p.Version, p.Values with { Stock = p.Values.Stock + 1 }, actor);
                        saves.Add((key, p.Version + 1, t0, Stopwatch.GetTimestamp(), measured));
                        products[p.Id] = ((SaveResult.Saved)result).Current;
                    }
                }

                var seconds = Stopwatch.GetElapsedTime(measuredSince).TotalSeconds;
                var busy = CoreTimes.Read().BusySince(cores);
                self.Refresh();
                var serverCpu = (self.TotalProcessorTime - cpu).TotalSeconds;
                var serverGc = GcCounts.Read().Since(gc);
                var serverAllocated = GC.GetTotalAllocatedBytes() - allocated;
                var r = await clients.ResultAsync(saves);
                var measuredSaves = saves.Count(s => s.Measured);
                var feedSorted = feedLatencies.Order().ToArray();
                var lost = r.Expected - r.Received;
                var load = SaveComparison.LoadAverage();
                allMet &= lost == 0 && r.OutOfOrder == 0;
                Console.WriteLine($"  {n} subscribers: {saves.Count} saves ({measuredSaves} measured, {measuredSaves / seconds:F1}/s); events expected {r.Expected}, received {r.Received}, lost {lost}, duplicate or out of order {r.OutOfOrder}");
                Console.WriteLine($"    commit-to-client ms: p50 {r.P50:F1}  p95 {r.P95:F1}  p99 {r.P99:F1}  max {r.Max:F1} ({r.Samples} receipts); from the save's return instead (lower bound, {r.AckSamples} receipts after it): p50 {r.AckP50:F1}  p99 {r.AckP99:F1}");
                Console.WriteLine($"    save-to-instance-feed ms (LISTEN side): p50 {LiveLatencyClients.Percentile(feedSorted, 0.5):F1}  p99 {LiveLatencyClients.Percentile(feedSorted, 0.99):F1}");
                Console.WriteLine($"    GC while measured: server {serverGc}; clients {r.Gc}");
                // Per event delivered to one client: CPU time is what the load on the machine changes least.
                var delivered = Math.Max(1, (double)measuredSaves * n);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    per event delivered to one client: server process {1e6 * serverCpu / delivered:F1} µs CPU and {serverAllocated / delivered:F0} bytes allocated (the save path included); clients' process {1e6 * r.CpuSeconds / Math.Max(1, r.Received):F1} µs CPU (over all it received, warm-up included)"));
                if (sendTrace is not null)
                {
                    Console.WriteLine($"    {sendTrace.Summary()}");
                }

                Console.WriteLine($"    while measured ({seconds:F1} s): core busy {busy}; server process CPU {100 * serverCpu / seconds:F0}% of one core, clients' process {100 * r.CpuSeconds / seconds:F0}% (its CPU from warm-up to the last receipt over the measured time); load average {load}");
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{n,-13}{r.P50,-9:F1}{r.P95,-9:F1}{r.P99,-9:F1}{r.Max,-9:F1}{lost,-7}{r.OutOfOrder,-14}{r.Received,-11}{busy,-22}{load}"));
                if (n == counts[^1])
                {
                    allMet &= r.P99 <= 100;
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"subscribers",-13}{"p50 ms",-9}{"p95 ms",-9}{"p99 ms",-9}{"max ms",-9}{"lost",-7}{"out of order",-14}{"received",-11}{"core busy",-22}load average after");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine($"  {sharing}");
        Console.WriteLine($"  target p99 <= 100 ms at {counts[^1]} with 0 lost and 0 out of order: {(allMet ? "met" : "NOT met")}");
    }

    /// <summary>Collections and total pause time of this process's GC so far.</summary>
    internal sealed record GcCounts(int Gen0, int Gen1, int Gen2, TimeSpan Paused)
    {
        public static GcCounts Read() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

        public string Since(GcCounts earlier) => string.Create(CultureInfo.InvariantCulture,
            $"gen0 {Gen0 - earlier.Gen0}/gen1 {Gen1 - earlier.Gen1}/gen2 {Gen2 - earlier.Gen2}, paused {(Paused - earlier.Paused).TotalMilliseconds:F0} ms");
    }

    private static string? FindTaskset() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "taskset")).FirstOrDefault(File.Exists);

    /// <summary>This benchmark again, under <c>taskset -c 0</c>, its output passed through.</summary>
    private static async Task<int> ReExecPinnedAsync(string taskset)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(taskset) { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("0");
        start.ArgumentList.Add(self);
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(LiveLatency).Assembly.Location);
        }

        foreach (var a in Environment.GetCommandLineArgs().Skip(1))
        {
            start.ArgumentList.Add(a);
        }

        start.Environment[PinnedVariable] = "0";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the pinned benchmark");
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    /// <summary>Per-core busy and total jiffies from /proc/stat (everything on the core: other people's processes too).</summary>
    private sealed record CoreTimes(long[] Busy, long[] Total)
    {
        public static CoreTimes Read()
        {
            if (!File.Exists("/proc/stat"))
            {
                return new([], []);
            }

            var busy = new List<long>();
            var total = new List<long>();
            foreach (var line in File.ReadLines("/proc/stat").Where(l => l.StartsWith("cpu", StringComparison.Ordinal) && char.IsDigit(l[3])))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                var idle = f[3] + f[4];
                total.Add(f.Sum());
                busy.Add(f.Sum() - idle);
            }

            return new([.. busy], [.. total]);
        }

        public string BusySince(CoreTimes earlier) =>
            Busy.Length == 0 || earlier.Busy.Length != Busy.Length
                ? "n/a"
                : string.Join(" ", Busy.Select((b, i) => string.Create(CultureInfo.InvariantCulture, $"c{i} {100.0 * (b - earlier.Busy[i]) / Math.Max(1, Total[i] - earlier.Total[i]):F0}%")));
    }
}

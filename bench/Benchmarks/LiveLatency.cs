using System.Collections.Concurrent;
using System.Diagnostics;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Users;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Changes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Commit-to-client latency: N SignalR connections follow "products" while product saves commit
/// at a fixed rate through the app's save path. Latency is from just before the save's UPDATE is
/// sent to the moment a client's handler runs (an upper bound on commit-to-client).
/// </summary>
internal static class LiveLatency
{
    public static async Task RunAsync(int connections, int savesPerSecond, TimeSpan duration, string protocol = "json")
    {
        var (app, cluster) = await BenchApp.StartAsync();
        await using var _ = cluster;
        using var __ = app;
        var cookies = await app.SignInAsync("alice");
        var clock = Stopwatch.StartNew();
        var sentAt = new ConcurrentDictionary<(string, long), double>();
        var ackedAt = new ConcurrentDictionary<(string, long), double>();
        var latencies = new ConcurrentBag<double>();
        var sinceAck = new ConcurrentBag<double>();
        var received = 0L;
        var outOfOrder = 0L;

        var messagePack = protocol switch
        {
            "json" => false,
            "messagepack" => true,
            _ => throw new ArgumentException($"protocol must be json or messagepack, not '{protocol}'", nameof(protocol)),
        };
        Console.WriteLine($"live-latency: {connections} SignalR connections on 'products' ({protocol}), {savesPerSecond} saves/s for {duration.TotalSeconds:F0} s");
        var hubs = new List<HubConnection>();
        foreach (var chunk in Enumerable.Range(0, connections).Chunk(50))
        {
            hubs.AddRange(await Task.WhenAll(chunk.Select(async _ =>
            {
                var builder = new HubConnectionBuilder()
                    .WithUrl(new Uri(app.BaseAddress, ChangesHub.Path), o =>
                    {
                        o.Cookies = cookies;
                        o.Transports = HttpTransportType.WebSockets;
                        o.SkipNegotiation = true;
                    });
                if (messagePack)
                {
                    builder.AddMessagePackProtocol();
                }

                var hub = builder.Build();
                var lastVersion = new Dictionary<string, long>();
                hub.On<ChangeEvent>(nameof(IChangeClient.Changed), e =>
                {
                    var now = clock.Elapsed.TotalMilliseconds;
                    if (e.Kind == ChangeKind.Saved)
                    {
                        // Handlers of one connection run one at a time: no lock needed for its own map.
                        if (lastVersion.TryGetValue(e.Key, out var before) && e.Version <= before)
                        {
                            Interlocked.Increment(ref outOfOrder);
                        }

                        lastVersion[e.Key] = e.Version;
                    }

                    if (sentAt.TryGetValue((e.Key, e.Version), out var t0))
                    {
                        latencies.Add(now - t0);
                        Interlocked.Increment(ref received);
                    }

                    if (ackedAt.TryGetValue((e.Key, e.Version), out var t1))
                    {
                        sinceAck.Add(now - t1);
                    }
                });
                await hub.StartAsync();
                await hub.InvokeAsync(nameof(ChangesHub.JoinCollection), "products");
                return hub;
            })));
        }

        Console.WriteLine($"  connected {hubs.Count} clients in {clock.Elapsed.TotalSeconds:F1} s");
        // The same events as this instance's feed sees them: database commit → LISTEN connection.
        var feedLatencies = new ConcurrentBag<double>();
        using var feedSubscription = app.Services.GetRequiredService<ChangeFeed>().Subscribe(_ => true, batch =>
        {
            var now = clock.Elapsed.TotalMilliseconds;
            foreach (var e in batch)
            {
                if (sentAt.TryGetValue((e.Key, e.Version), out var t0))
                {
                    feedLatencies.Add(now - t0);
                }
            }

            return Task.CompletedTask;
        });
        var store = app.Services.GetRequiredService<ProductStore>();
        // Products anyone may save without checking them out (the demo data has some that require it).
        var products = (await store.ListAsync(new ProductQuery(PageSize: 200))).Items.Where(p => !p.Values.RequiresCheckout).Take(50).ToDictionary(p => p.Id);
        var ids = products.Keys.ToArray();
        var actor = new Actor("bench", "Bench");
        var saves = 0;
        using (var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / savesPerSecond)))
        {
            var end = clock.Elapsed + duration;
            while (clock.Elapsed < end && await timer.WaitForNextTickAsync())
            {
                var p = products[ids[saves % ids.Length]];
                var key = ResourceKey.ForProduct(p.Id);
                sentAt[(key, p.Version + 1)] = clock.Elapsed.TotalMilliseconds;
                var result = await store.UpdateAsync(p.Id, p.Version, p.Values with { Stock = p.Values.Stock + 1 }, actor);
                ackedAt[(key, p.Version + 1)] = clock.Elapsed.TotalMilliseconds;
                products[p.Id] = ((Core.Products.SaveResult.Saved)result).Current;
                saves++;
            }
        }

        var expected = (long)saves * connections;
        var wait = Stopwatch.StartNew();
        while (Interlocked.Read(ref received) < expected && wait.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        var sorted = latencies.Order().ToArray();
        double P(double q) => Percentile(sorted, q);
        var feedSorted = feedLatencies.Order().ToArray();
        Console.WriteLine($"  save-to-instance-feed latency ms (LISTEN side): p50 {Percentile(feedSorted, 0.5):F1}  p99 {Percentile(feedSorted, 0.99):F1}");
        Console.WriteLine($"  saves committed: {saves}; events expected: {expected}; received: {received}; lost: {expected - received}; duplicate or out of order: {Interlocked.Read(ref outOfOrder)}");
        Console.WriteLine($"  commit-to-client latency ms: p50 {P(0.50):F1}  p95 {P(0.95):F1}  p99 {P(0.99):F1}  max {sorted.LastOrDefault():F1}");
        var ackSorted = sinceAck.Order().ToArray();
        Console.WriteLine($"  from the save's acknowledgement instead (a lower bound; {ackSorted.Length} events came after it): p50 {Percentile(ackSorted, 0.5):F1}  p99 {Percentile(ackSorted, 0.99):F1}");
        Console.WriteLine($"  target p99 <= 100 ms: {(P(0.99) <= 100 ? "met" : "NOT met")}; lost events must be 0: {(expected == received ? "met" : "NOT met")}");

        await Task.WhenAll(hubs.Select(h => h.DisposeAsync().AsTask()));
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}

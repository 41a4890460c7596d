using System.Diagnostics;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Users;
using CollabEditor.WebApp.Editing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Field-level presence across two app instances on one database (issue 15): Alice's page on instance A
/// moves its cursor from field to field (and types); Bob's page on instance B waits until it shows her
/// there. Printed: the time from Alice's move to Bob's page showing it (p50/p95/p99/max), against the raw
/// baseline measured in the same run on the same cluster — one <c>pg_notify</c> from one connection to a
/// <c>LISTEN</c>ing other — as a ratio; and how many presence announcements 100 keystrokes in one field
/// cost (the write amplification of typing).
/// </summary>
internal static class FieldPresenceLatency
{
    private static readonly string[] Fields = ["Sku", "Name", "Description", "Price", "Stock"];

    public static async Task RunAsync(int moves)
    {
        var (a, cluster) = await BenchApp.StartAsync();
        await using var _ = cluster;
        using var __ = a;
        // A second instance on the same database (its own LISTEN connection); it needs no port of its own.
        using var b = new BenchApp(a.ConnectionString, null);
        b.Services.GetRequiredService<ChangeFeed>();
        var key = ResourceKey.ForProduct(1);
        Console.WriteLine($"field-presence: {moves} cursor moves by Alice's page on instance A, each until Bob's page on instance B shows it; " +
                          $"baseline: {moves} raw pg_notify → LISTEN round trips on the same cluster; {Environment.ProcessorCount} cores");

        await using var aliceScope = a.Services.CreateAsyncScope();
        await using var bobScope = b.Services.CreateAsyncScope();
        await using var alice = ActivatorUtilities.CreateInstance<PagePresence>(aliceScope.ServiceProvider);
        await using var bob = ActivatorUtilities.CreateInstance<PagePresence>(bobScope.ServiceProvider);
        var changed = new SemaphoreSlim(0);
        await alice.StartAsync(key, new Actor("alice-id", "Alice"), () => Task.CompletedTask);
        await bob.StartAsync(key, new Actor("bob-id", "Bob"), () =>
        {
            changed.Release();
            return Task.CompletedTask;
        });
        await WaitAsync(changed, () => bob.Others.Contains("Alice"));

        var presence = new List<double>(moves);
        for (var i = 0; i < moves; i++)
        {
            var field = Fields[i % Fields.Length];
            var watch = Stopwatch.StartNew();
            await alice.FocusAsync(field);
            await WaitAsync(changed, () => bob.For(field).InField.Contains("Alice"));
            presence.Add(watch.Elapsed.TotalMilliseconds);
        }

        var raw = await RawNotifyAsync(a.ConnectionString, moves);

        // Typing: 100 keystrokes in one field, 80 ms apart (the page tells presence its touched fields on every one).
        var announcements = 0;
        var feed = b.Services.GetRequiredService<ChangeFeed>();
        using (feed.Subscribe(e => e.Kind == ChangeKind.Presence && e.Key == key, batch =>
        {
            Interlocked.Add(ref announcements, batch.Count);
            return Task.CompletedTask;
        }))
        {
            await alice.FocusAsync("Name");
            await WaitAsync(changed, () => bob.For("Name").InField.Contains("Alice"));
            Interlocked.Exchange(ref announcements, 0);
            var typing = Stopwatch.StartNew();
            for (var k = 0; k < 100; k++)
            {
                await alice.ChangingAsync(["Name"]);
                await Task.Delay(80);
            }

            await WaitAsync(changed, () => bob.For("Name").LockedBy == "Alice");
            await Task.Delay(500);
            Console.WriteLine($"  typing: 100 keystrokes in one field over {typing.Elapsed.TotalSeconds:F1} s → {announcements} presence announcements seen on instance B " +
                              "(the first keystroke, then a changed_at refresh at most every few seconds; heartbeats announce nothing)");
        }

        Print("presence (A's move → B shows it)", presence);
        Print("raw pg_notify → LISTEN", raw);
        Console.WriteLine($"  ratio presence / raw: p50 {Percentile(presence, 50) / Percentile(raw, 50):F1}×, p99 {Percentile(presence, 99) / Percentile(raw, 99):F1}×; target: within 1 s");
    }

    private static async Task WaitAsync(SemaphoreSlim changed, Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await changed.WaitAsync(timeout.Token);
        }
    }

    /// <summary>The floor under any cross-instance presence: one notification from one connection to a listening other.</summary>
    private static async Task<List<double>> RawNotifyAsync(string connectionString, int rounds)
    {
        await using var listener = new NpgsqlConnection(connectionString);
        await listener.OpenAsync();
        await using var sender = new NpgsqlConnection(connectionString);
        await sender.OpenAsync();
        await using (var listen = new NpgsqlCommand("LISTEN bench_raw", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var received = new SemaphoreSlim(0);
        listener.Notification += (_, _) => received.Release();
        using var stop = new CancellationTokenSource();
        var pump = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await listener.WaitAsync(stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // Done.
            }
        });

        var times = new List<double>(rounds);
        await using var notify = new NpgsqlCommand("SELECT pg_notify('bench_raw', 'x')", sender);
        for (var i = 0; i < rounds; i++)
        {
            var watch = Stopwatch.StartNew();
            await notify.ExecuteNonQueryAsync();
            await received.WaitAsync(TimeSpan.FromSeconds(10));
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        await stop.CancelAsync();
        await pump;
        return times;
    }

    private static double Percentile(List<double> values, int p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static void Print(string what, List<double> ms) =>
        Console.WriteLine($"  {what}: p50 {Percentile(ms, 50):F2} ms, p95 {Percentile(ms, 95):F2}, p99 {Percentile(ms, 99):F2}, max {ms.Max():F2} ({ms.Count} rounds)");
}

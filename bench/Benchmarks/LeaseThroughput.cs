using System.Diagnostics;
using System.Globalization;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Users;
using CollabEditor.Data;
using CollabEditor.Data.Leases;
using CollabEditor.Data.LocalPostgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Lease acquire+release pairs per second through the lease engine (<see cref="LeaseStore"/>),
/// next to the same two statements (<see cref="LeaseStore.AcquireSql"/>, <see cref="LeaseStore.ReleaseSql"/>)
/// issued with plain Npgsql on the same data source, at 1 and 8 concurrent callers, each on its own
/// resource key. Runs the data layer only (no web app) on a throwaway local cluster. Each cell is
/// the median of several measurements; the two variants alternate which goes first in each round,
/// and each round's back-to-back pair also gives a ratio (less exposed to drift on a shared machine).
/// </summary>
internal static class LeaseThroughput
{
    public static async Task RunAsync(TimeSpan duration, int rounds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        await using var cluster = await LocalPostgresCluster.StartThrowawayAsync();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddCollabData(await cluster.EnsureDatabaseAsync("bench"));
        await using var provider = services.BuildServiceProvider();
        await provider.MigrateCollabDatabaseAsync();

        var leases = provider.GetRequiredService<LeaseStore>();
        var db = provider.GetRequiredService<NpgsqlDataSource>();
        var ttl = provider.GetRequiredService<IOptions<LeaseOptions>>().Value.Ttl;
        var actor = new Actor("bench-user", "Bench");

        async Task EnginePairAsync(string key, string session)
        {
            if (await leases.AcquireAsync(key, actor, session) is not AcquireResult.Granted granted)
            {
                throw new InvalidOperationException($"engine: acquire of {key} was denied");
            }

            if (await leases.ReleaseAsync(key, granted.Lease.Token, actor) is not LeaseChange.Done)
            {
                throw new InvalidOperationException($"engine: release of {key} found no live lease");
            }
        }

        async Task RawPairAsync(string key, string session)
        {
            Guid token;
            await using (var acquire = db.CreateCommand(LeaseStore.AcquireSql))
            {
                acquire.Parameters.Add(new() { Value = key });
                acquire.Parameters.Add(new() { Value = actor.UserId });
                acquire.Parameters.Add(new() { Value = actor.DisplayName });
                acquire.Parameters.Add(new() { Value = session });
                acquire.Parameters.Add(new() { Value = ttl, NpgsqlDbType = NpgsqlDbType.Interval });
                acquire.Parameters.Add(new() { Value = true });
                await using var reader = await acquire.ExecuteReaderAsync();
                token = await reader.ReadAsync() ? reader.GetGuid(4) : throw new InvalidOperationException($"raw: acquire of {key} was denied");
            }

            await using var release = db.CreateCommand(LeaseStore.ReleaseSql);
            release.Parameters.Add(new() { Value = key });
            release.Parameters.Add(new() { Value = token });
            release.Parameters.Add(new() { Value = actor.UserId });
            await using var released = await release.ExecuteReaderAsync();
            if (!await released.ReadAsync())
            {
                throw new InvalidOperationException($"raw: release of {key} found no live lease");
            }
        }

        var variants = new (string Name, Func<string, string, Task> Pair)[] { ("raw", RawPairAsync), ("engine", EnginePairAsync) };
        int[] levels = [1, 8];
        Console.WriteLine($"lease-throughput: acquire+release pairs/s (TTL {ttl.TotalSeconds:F0} s), {duration.TotalSeconds:F0} s per measurement, median of {rounds}, {Environment.ProcessorCount} cores shared with the server");

        // JIT tiers, the pool and the server's caches settle before anything counts.
        foreach (var (_, pair) in variants)
        {
            await MeasureAsync(8, pair, TimeSpan.FromSeconds(2));
        }

        var results = new Dictionary<(int Callers, string Variant), List<double>>();
        var totalPairs = 0L;
        foreach (var callers in levels)
        {
            for (var round = 0; round < rounds; round++)
            {
                // Alternate the order (raw, engine / engine, raw) so drift over time is shared.
                foreach (var (name, pair) in round % 2 == 0 ? variants : variants.Reverse())
                {
                    await MeasureAsync(callers, pair, TimeSpan.FromSeconds(1));
                    var (pairs, rate) = await MeasureAsync(callers, pair, duration);
                    totalPairs += pairs;
                    if (!results.TryGetValue((callers, name), out var list))
                    {
                        results[(callers, name)] = list = [];
                    }

                    list.Add(rate);
                }
            }
        }

        Console.WriteLine($"{"callers",-9}{"raw Npgsql",-13}{"lease engine",-15}ratio");
        foreach (var callers in levels)
        {
            var raw = Median(results[(callers, "raw")]);
            var engine = Median(results[(callers, "engine")]);
            Console.WriteLine($"{callers,-9}{raw,-13:F1}{engine,-15:F1}{engine / raw:F2}");
        }

        foreach (var callers in levels)
        {
            var (raw, engine) = (results[(callers, "raw")], results[(callers, "engine")]);
            var paired = raw.Zip(engine, (r, e) => e / r).ToList();
            Console.WriteLine($"  {callers} caller(s), per round: raw {Join(raw, "F1")}; engine {Join(engine, "F1")}; ratio {Join(paired, "F2")} (median {Median(paired):F2})");
        }

        var left = await leases.ListLiveAsync($"{ResourceKey.Product}/");
        Console.WriteLine($"  {totalPairs} measured pairs, every acquire granted and every release found its lease; leases left held: {left.Count}");
        var worst = levels.Min(c => Median(results[(c, "engine")]) / Median(results[(c, "raw")]));
        Console.WriteLine($"  target ratio >= 0.70: {(worst >= 0.7 ? "met" : "NOT met")}");
    }

    /// <summary>
    /// <paramref name="callers"/> tasks, each looping acquire→release on its own key until the time
    /// is up; pairs completed over the time until the last caller finished its last pair.
    /// </summary>
    private static async Task<(long Pairs, double PerSecond)> MeasureAsync(int callers, Func<string, string, Task> pair, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, callers).Select(i => Task.Run(async () =>
        {
            var key = ResourceKey.ForProduct(1000 + i);
            var session = $"bench-session-{i}";
            var pairs = 0L;
            while (clock.Elapsed < duration)
            {
                await pair(key, session);
                pairs++;
            }

            return pairs;
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        var total = counts.Sum();
        return (total, total / elapsed);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Join(IEnumerable<double> values, string format) => string.Join(", ", values.Select(v => v.ToString(format, CultureInfo.InvariantCulture)));
}

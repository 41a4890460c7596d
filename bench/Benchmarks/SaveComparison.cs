using System.Diagnostics;
using System.Globalization;
using CollabEditor.Data;
using CollabEditor.Data.LocalPostgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.Benchmarks;

/// <summary>One way of doing a save: <see cref="SaveAsync"/> does one save for writer i (0-based).</summary>
internal sealed record SaveVariant(string Name, Func<int, Task> SaveAsync);

/// <summary>
/// Saves per second of several variants of the same unit of work, in the style of
/// <see cref="LeaseThroughput"/>: a warm-up, then rounds in which every variant is measured back to
/// back (the order rotates each round, so drift over time is shared), and medians. Each writer is a
/// task looping saves on its own record until the time is up; a writer is never run by two variants
/// at once, so a variant may keep per-writer state in an array. The last variant is the one under
/// test; the ones before it are baselines, and the first is the baseline the target is judged on.
/// </summary>
internal static class SaveComparison
{
    /// <summary>The data layer alone (no web app) on a throwaway local cluster, migrated.</summary>
    public static async Task<(LocalPostgresCluster Cluster, ServiceProvider Provider)> StartDataLayerAsync()
    {
        var cluster = await LocalPostgresCluster.StartThrowawayAsync();
        var provider = DataLayer(await cluster.EnsureDatabaseAsync("bench"));
        await provider.MigrateCollabDatabaseAsync();
        return (cluster, provider);
    }

    /// <summary>The data layer's services on the given database (not migrated).</summary>
    public static ServiceProvider DataLayer(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddCollabData(connectionString);
        return services.BuildServiceProvider();
    }

    /// <summary>Measures every variant at every level; returns the per-round rates and the number of measured saves.</summary>
    public static async Task<(Dictionary<(int Writers, string Variant), List<double>> Rates, long Saves)> RunAsync(
        IReadOnlyList<SaveVariant> variants, int[] levels, TimeSpan duration, int rounds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        // JIT tiers, the pool and the server's caches settle before anything counts.
        foreach (var variant in variants)
        {
            await MeasureAsync(levels.Max(), variant.SaveAsync, TimeSpan.FromSeconds(2));
        }

        var results = new Dictionary<(int, string), List<double>>();
        var total = 0L;
        foreach (var writers in levels)
        {
            for (var round = 0; round < rounds; round++)
            {
                // Rotate the order (raw, engine / engine, raw; with three: a b c / b c a / c a b).
                for (var j = 0; j < variants.Count; j++)
                {
                    var variant = variants[(j + round) % variants.Count];
                    await MeasureAsync(writers, variant.SaveAsync, TimeSpan.FromSeconds(1));
                    var (saves, rate) = await MeasureAsync(writers, variant.SaveAsync, duration);
                    total += saves;
                    if (!results.TryGetValue((writers, variant.Name), out var list))
                    {
                        results[(writers, variant.Name)] = list = [];
                    }

                    list.Add(rate);
                }
            }
        }

        return (results, total);
    }

    /// <summary>The table (medians), the per-round figures with back-to-back ratios, and the verdict; returns the worst median ratio against the first baseline.</summary>
    public static double Print(IReadOnlyList<SaveVariant> variants, int[] levels, Dictionary<(int Writers, string Variant), List<double>> rates)
    {
        var subject = variants[^1].Name;
        var baselines = variants.Take(variants.Count - 1).Select(v => v.Name).ToList();
        var width = variants.Max(v => v.Name.Length) + 3;
        var header = $"{"writers",-9}" + string.Concat(variants.Select(v => v.Name.PadRight(width)))
            + string.Join("  ", baselines.Select(b => baselines.Count == 1 ? "ratio" : $"ratio vs {b}"));
        Console.WriteLine(header);
        foreach (var writers in levels)
        {
            var medians = variants.Select(v => Median(rates[(writers, v.Name)])).ToList();
            var line = $"{writers,-9}" + string.Concat(medians.Select(m => m.ToString("F1", CultureInfo.InvariantCulture).PadRight(width)))
                + string.Join("  ", baselines.Select((b, i) => (medians[^1] / medians[i]).ToString("F2", CultureInfo.InvariantCulture).PadRight(baselines.Count == 1 ? 5 : $"ratio vs {b}".Length)));
            Console.WriteLine(line.TrimEnd());
        }

        foreach (var writers in levels)
        {
            var perVariant = string.Join("; ", variants.Select(v => $"{v.Name} {Join(rates[(writers, v.Name)], "F1")}"));
            var ratios = string.Join("; ", baselines.Select(b =>
            {
                var paired = rates[(writers, b)].Zip(rates[(writers, subject)], (r, e) => e / r).ToList();
                return $"{subject}/{b} {Join(paired, "F2")} (median {Median(paired):F2})";
            }));
            Console.WriteLine($"  {writers} writer(s), per round: {perVariant}; ratio {ratios}");
        }

        Console.WriteLine($"  load average after the measurements: {LoadAverage()}");
        return levels.Min(w => Median(rates[(w, subject)]) / Median(rates[(w, baselines[0])]));
    }

    /// <summary>
    /// <paramref name="writers"/> tasks, each looping saves on its own record until the time is up;
    /// saves completed over the time until the last writer finished its last save.
    /// </summary>
    public static async Task<(long Saves, double PerSecond)> MeasureAsync(int writers, Func<int, Task> save, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
        {
            var saves = 0L;
            while (clock.Elapsed < duration)
            {
                await save(i);
                saves++;
            }

            return saves;
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        var total = counts.Sum();
        return (total, total / elapsed);
    }

    /// <summary>The 1/5/15-minute load averages (Linux), to judge how much else shared the cores.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static string Join(IEnumerable<double> values, string format) => string.Join(", ", values.Select(v => v.ToString(format, CultureInfo.InvariantCulture)));
}

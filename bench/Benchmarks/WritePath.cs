using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Benchmarks;

/// <summary>
/// The write path's own cost, in one run on one throwaway cluster (data layer only): product saves/s
/// through <see cref="ProductStore.UpdateAsync"/> and the same UPDATE via raw Npgsql, with the
/// products table's user triggers (history, change announcement) enabled and disabled
/// (<c>ALTER TABLE products DISABLE TRIGGER USER</c> for the measurement only, re-enabled after), next
/// to pgbench running the single-row anchor UPDATE on the same table, triggers on and off, at 1 and 8
/// clients. Rounds rotate the order so drift is shared; medians are printed.
/// </summary>
internal static partial class WritePath
{
    private const int TableRows = 10_000;

    public static async Task RunAsync(TimeSpan duration, int rounds)
    {
        var (cluster, provider) = await SaveComparison.StartDataLayerAsync();
        await using var _ = cluster;
        await using var __ = provider;
        var connectionString = await cluster.EnsureDatabaseAsync("bench");
        var store = provider.GetRequiredService<ProductStore>();
        var db = provider.GetRequiredService<NpgsqlDataSource>();
        var actor = new Actor("bench-user", "Bench");
        int[] levels = [1, 8];

        // A table of realistic size for pgbench's random ids; the writers each save their own extra product.
        Console.WriteLine($"write-path: {TableRows:N0} products seeded for pgbench's random ids");
        await ScaleData.SeedAsync(connectionString, TableRows, orders: 0, historyVersions: 0);
        // pgbench updates the seeded rows only, never a writer's product (whose version the writer holds).
        var pgbench = FindPgbench();
        var script = Path.Combine(Path.GetTempPath(), $"collab-pgbench-{Guid.NewGuid():N}.sql");
        await using (var cmd = db.CreateCommand("SELECT max(id) FROM products"))
        {
            var maxId = (int)(await cmd.ExecuteScalarAsync())!;
            await File.WriteAllTextAsync(script, $"\\set id random(1, {maxId})\nUPDATE products SET stock = stock + 1, version = version + 1 WHERE id = :id;\n");
        }

        var products = new ProductSnapshot[levels.Max()];
        for (var i = 0; i < products.Length; i++)
        {
            var created = await store.CreateAsync(new ProductValues($"WRITE-{i:000}", $"Write path product {i}", "Saved over and over.", 10m + i, 0, false), actor);
            products[i] = ((SaveResult.Saved)created).Current;
        }

        async Task StoreAsync(int i)
        {
            var p = products[i];
            var result = await store.UpdateAsync(p.Id, p.Version, p.Values with { Stock = (p.Values.Stock + 1) % 1000 }, actor);
            products[i] = result is SaveResult.Saved saved && saved.Current.Version == p.Version + 1
                ? saved.Current
                : throw new InvalidOperationException($"store: save of product {p.Id} at version {p.Version} gave {result}");
        }

        async Task RawAsync(int i)
        {
            var p = products[i];
            var v = p.Values with { Stock = (p.Values.Stock + 1) % 1000 };
            await using var cmd = db.CreateCommand(ProductSaves.UpdateSql);
            object[] values = [ResourceKey.ForProduct(p.Id), v.Sku, v.Name, v.Description, v.Price, v.Stock, v.RequiresCheckout, actor.UserId, actor.DisplayName, Guid.NewGuid(), p.Id, p.Version, false, Guid.Empty];
            foreach (var value in values)
            {
                cmd.Parameters.Add(new() { Value = value });
            }

            await using var reader = await cmd.ExecuteReaderAsync();
            var version = await reader.ReadAsync() ? reader.GetInt32(reader.GetOrdinal("version")) : -1;
            products[i] = version == p.Version + 1
                ? p with { Values = v, Version = version }
                : throw new InvalidOperationException($"raw: save of product {p.Id} at version {p.Version} returned version {version}");
        }

        async Task TriggersAsync(bool enabled)
        {
            await using var cmd = db.CreateCommand($"ALTER TABLE products {(enabled ? "ENABLE" : "DISABLE")} TRIGGER USER");
            await cmd.ExecuteNonQueryAsync();
        }


        // Each variant: (name, triggers on?, measure(clients) → per second).
        var variants = new List<(string Name, bool Triggers, Func<int, Task<double>> Measure)>();
        foreach (var triggers in new[] { true, false })
        {
            var label = triggers ? "on" : "off";
            variants.Add(($"ProductStore, triggers {label}", triggers, async n => (await SaveComparison.MeasureAsync(n, StoreAsync, duration)).PerSecond));
            variants.Add(($"raw Npgsql, triggers {label}", triggers, async n => (await SaveComparison.MeasureAsync(n, RawAsync, duration)).PerSecond));
            if (pgbench is not null)
            {
                variants.Add(($"pgbench, triggers {label}", triggers, n => RunPgbenchAsync(pgbench, connectionString, script, n, duration)));
            }
        }

        Console.WriteLine($"write-path: saves/s, {duration.TotalSeconds:F0} s per measurement, median of {rounds} rounds (order rotated), {Environment.ProcessorCount} cores shared by client and server; pgbench: {pgbench ?? "not found"} (-M prepared, its own connections)");
        var rates = new Dictionary<(int, string), List<double>>();
        try
        {
            // Warm-up (JIT, pool, caches) of the in-process variants.
            await SaveComparison.MeasureAsync(8, StoreAsync, TimeSpan.FromSeconds(1));
            await SaveComparison.MeasureAsync(8, RawAsync, TimeSpan.FromSeconds(1));
            foreach (var clients in levels)
            {
                for (var round = 0; round < rounds; round++)
                {
                    for (var j = 0; j < variants.Count; j++)
                    {
                        var variant = variants[(j + round) % variants.Count];
                        await TriggersAsync(variant.Triggers);
                        var rate = await variant.Measure(clients);
                        if (!rates.TryGetValue((clients, variant.Name), out var list))
                        {
                            rates[(clients, variant.Name)] = list = [];
                        }

                        list.Add(rate);
                    }
                }
            }
        }
        finally
        {
            await TriggersAsync(true);
            File.Delete(script);
        }

        var width = variants.Max(v => v.Name.Length) + 2;
        Console.WriteLine($"{"variant".PadRight(width)}{"1 writer",12}{"8 writers",12}   per round (1 | 8)");
        foreach (var (name, _, _) in variants)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name.PadRight(width)}{SaveComparison.Median(rates[(1, name)]),12:F0}{SaveComparison.Median(rates[(8, name)]),12:F0}   {SaveComparison.Join(rates[(1, name)], "F0")} | {SaveComparison.Join(rates[(8, name)], "F0")}"));
        }

        foreach (var kind in variants.Where(v => v.Triggers).Select(v => v.Name[..v.Name.IndexOf(',', StringComparison.Ordinal)]))
        {
            var cost = levels.Select(n =>
            {
                var on = SaveComparison.Median(rates[(n, $"{kind}, triggers on")]);
                var off = SaveComparison.Median(rates[(n, $"{kind}, triggers off")]);
                return string.Create(CultureInfo.InvariantCulture, $"{n} writer(s) {(1 - (on / off)) * 100:F0} %");
            });
            Console.WriteLine($"  trigger cost ({kind}: fewer saves/s with triggers than without): {string.Join(", ", cost)}; target <= 15 %");
        }

        if (pgbench is not null)
        {
            foreach (var n in levels)
            {
                var factor = SaveComparison.Median(rates[(n, "pgbench, triggers on")]) / SaveComparison.Median(rates[(n, "ProductStore, triggers on")]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {n} writer(s): pgbench (triggers on) does {factor:F1}x the ProductStore saves/s; target at 8 writers <= 3x"));
            }
        }

        Console.WriteLine($"  load average after the measurements: {SaveComparison.LoadAverage()}");
    }

    /// <summary>pgbench beside the server programs: on PATH first, then the newest /usr/lib/postgresql/N/bin (as the local cluster finds initdb).</summary>
    private static string? FindPgbench()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "pgbench")).FirstOrDefault(File.Exists);
        if (onPath is not null)
        {
            return onPath;
        }

        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1, Path: Path.Combine(d, "bin", "pgbench")))
                .Where(x => x.Version >= 0 && File.Exists(x.Path)).OrderByDescending(x => x.Version).Select(x => x.Path).FirstOrDefault()
            : null;
    }

    private static async Task<double> RunPgbenchAsync(string pgbench, string connectionString, string script, int clients, TimeSpan duration)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(pgbench)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-n", "-M", "prepared", "-f", script, "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", clients.ToString(CultureInfo.InvariantCulture), "-T", ((int)Math.Max(1, duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture), "-h", cs.Host!, "-p", cs.Port.ToString(CultureInfo.InvariantCulture), "-U", cs.Username!, cs.Database! })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PGPASSWORD"] = cs.Password;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("pgbench did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var match = Tps().Match(await output);
        return process.ExitCode == 0 && match.Success
            ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"pgbench failed ({process.ExitCode}): {await errors}");
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex Tps();
}

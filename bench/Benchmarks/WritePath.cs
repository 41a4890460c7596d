using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Lists;
using CollabEditor.Data.Products;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CollabEditor.Benchmarks;

/// <summary>
/// The write path's own cost, in one run on one throwaway cluster (data layer only), and where it goes:
/// product saves/s through <see cref="Data.Records.VersionedStore{TRow, TValues, TSnapshot}.UpdateAsync"/> and through the very same UPDATE via
/// raw Npgsql, each with the pool as it was (Npgsql's default: DISCARD ALL on return, nothing prepared)
/// and as the app now configures it (<see cref="DataServiceCollectionExtensions.PoolSettings"/>), next to
/// pgbench running that same UPDATE (its own connections, prepared) and the single-row anchor UPDATE
/// on the same products table. Trigger set-ups are switched between measurements only: all user
/// triggers off; history only; the change trigger without the commit-order lock, without NOTIFY,
/// without its self-lookup; the announce function as it was before the WritePathTriggers migration; and
/// the three list indexes on columns every save changes dropped and re-created. Rounds rotate the
/// order so drift is shared; medians are printed; everything is restored at the end.
/// </summary>
internal static partial class WritePath
{
    private const int TableRows = 10_000;

    /// <summary>collab_announce as the ChangeLog migration wrote it (payload and position built under the lock).</summary>
    private const string AnnounceBefore = """
        CREATE OR REPLACE FUNCTION collab_announce(kind text, resource_key text, version bigint, actor text) RETURNS void
        LANGUAGE plpgsql AS $$
        DECLARE
            p bigint;
        BEGIN
            PERFORM pg_advisory_xact_lock(1131375724, 1);
            p := nextval('change_position');
            INSERT INTO change_log (position, kind, resource_key, version, actor, at)
            VALUES (p, kind, resource_key, version, actor, clock_timestamp());
            PERFORM pg_notify('collab_changes', json_build_object(
                'kind', kind,
                'key', resource_key,
                'version', version,
                'actor', actor,
                'position', p,
                'at', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)::text);
        END $$;
        """;

    private enum Triggers
    {
        None,
        HistoryOnly,
        Full,
    }

    /// <summary>What the database looks like for one measurement.</summary>
    private sealed record Setup(Triggers Triggers, string Announce, string NotifyChange, bool AllIndexes = true);

    private sealed record Variant(string Name, Setup Setup, Func<int, Task<double>> Measure);

    public static async Task RunAsync(TimeSpan duration, int rounds)
    {
        var (cluster, provider) = await SaveComparison.StartDataLayerAsync();
        await using var _ = cluster;
        await using var __ = provider;
        var connectionString = await cluster.EnsureDatabaseAsync("bench");
        var store = provider.GetRequiredService<ProductStore>();
        var db = provider.GetRequiredService<NpgsqlDataSource>();
        // The pool as Npgsql sets it by default (what the app used before): DISCARD ALL on return, no auto-prepare.
        await using var resetDb = NpgsqlDataSource.Create(connectionString);
        await using var resetPreparedDb = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 64 }.ConnectionString);
        await using var noResetDb = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString);
        var resetStore = new ProductStore(provider.GetRequiredService<IDbContextFactory<CollabDbContext>>(), resetDb,
            provider.GetRequiredService<LeaseStore>(), provider.GetRequiredService<IOptions<ListOptions>>());
        var actor = new Actor("bench-user", "Bench");
        int[] levels = [1, 8];

        var poolSettings = new NpgsqlConnectionStringBuilder(DataServiceCollectionExtensions.PoolSettings(connectionString));
        Console.WriteLine($"write-path: {TableRows:N0} products seeded for pgbench's random ids; app pool: No Reset On Close={poolSettings.NoResetOnClose}, Max Auto Prepare={poolSettings.MaxAutoPrepare}");
        await ScaleData.SeedAsync(connectionString, TableRows, orders: 0, historyVersions: 0);
        var pgbench = FindPgbench();
        var anchorScript = Path.Combine(Path.GetTempPath(), $"collab-pgbench-{Guid.NewGuid():N}.sql");
        var appScript = Path.Combine(Path.GetTempPath(), $"collab-pgbench-app-{Guid.NewGuid():N}.sql");
        await using (var cmd = db.CreateCommand("SELECT max(id) FROM products"))
        {
            var maxId = (int)(await cmd.ExecuteScalarAsync())!;
            await File.WriteAllTextAsync(anchorScript, $"\\set id random(1, {maxId})\nUPDATE products SET stock = stock + 1, version = version + 1 WHERE id = :id;\n");
        }

        var products = new ProductSnapshot[levels.Max()];
        var pgbenchRows = new int[levels.Max()];
        for (var i = 0; i < products.Length; i++)
        {
            var created = await store.CreateAsync(new ProductValues($"WRITE-{i:000}", $"Write path product {i}", "Saved over and over.", 10m + i, 0, false), actor);
            products[i] = ((SaveResult.Saved)created).Current;
        }

        for (var i = 0; i < products.Length; i++)
        {
            var row = await store.CreateAsync(new ProductValues($"PGB-{i:000}", $"pgbench product {i}", "Saved by pgbench.", 10m + i, 0, false), actor);
            pgbenchRows[i] = ((SaveResult.Saved)row).Current.Id;
        }

        // The app's own UPDATE for pgbench: client c saves its own row, checks the version it read back
        // last time (\gset keeps the RETURNING columns per client), changes the stock each time.
        if (pgbenchRows.Zip(pgbenchRows.Skip(1)).Any(p => p.Second != p.First + 1))
        {
            throw new InvalidOperationException("pgbench rows are not consecutive");
        }

        await File.WriteAllTextAsync(appScript, AppUpdateScript(pgbenchRows[0]));

        async Task StoreAsync(ProductStore s, int i)
        {
            var p = products[i];
            var result = await s.UpdateAsync(p.Id, p.Version, p.Values with { Stock = (p.Values.Stock + 1) % 1000 }, actor);
            products[i] = result is SaveResult.Saved saved && saved.Current.Version == p.Version + 1
                ? saved.Current
                : throw new InvalidOperationException($"store: save of product {p.Id} at version {p.Version} gave {result}");
        }

        async Task RawAsync(NpgsqlDataSource source, int i, bool descriptionOnly)
        {
            var p = products[i];
            var v = descriptionOnly
                ? p.Values with { Description = $"Saved over and over ({p.Version})." }
                : p.Values with { Stock = (p.Values.Stock + 1) % 1000 };
            await using var cmd = source.CreateCommand(ProductStore.UpdateSql);
            object[] values = [ResourceKey.ForProduct(p.Id), v.Sku, v.Name, v.Description, v.Price, v.Stock, v.RequiresCheckout, actor.UserId, actor.DisplayName, Guid.NewGuid(), p.Id, p.Version, false, Guid.Empty];
            foreach (var value in values)
            {
                cmd.Parameters.Add(new() { Value = value });
            }

            await using var reader = await cmd.ExecuteReaderAsync();
            var version = await reader.ReadAsync() ? reader.GetInt32(reader.GetOrdinal("version")) : -1;
            await reader.NextResultAsync();
            products[i] = version == p.Version + 1
                ? p with { Values = v, Version = version }
                : throw new InvalidOperationException($"raw: save of product {p.Id} at version {p.Version} returned version {version}");
        }

        async Task<string> ScalarAsync(string sql)
        {
            await using var cmd = db.CreateCommand(sql);
            return (string)(await cmd.ExecuteScalarAsync())!;
        }

        async Task ExecuteAsync(string sql)
        {
            await using var cmd = db.CreateCommand(sql);
            await cmd.ExecuteNonQueryAsync();
        }

        // The set-ups are edits of what the migrations installed; each edit must have changed something.
        var announce = await ScalarAsync("SELECT pg_get_functiondef('collab_announce(text,text,bigint,text)'::regprocedure)");
        var notifyChange = await ScalarAsync("SELECT pg_get_functiondef('collab_notify_change()'::regprocedure)");
        static string Edit(string sql, string pattern, string replacement)
        {
            var edited = Regex.Replace(sql, pattern, replacement, RegexOptions.Singleline);
            return edited != sql ? edited : throw new InvalidOperationException($"set-up: '{pattern}' not found in {sql}");
        }

        var announceNoLock = Edit(announce, @"PERFORM pg_advisory_xact_lock\([^;]*\);", string.Empty);
        var announceNoNotify = Edit(announce, @"PERFORM pg_notify\([^;]*\);", string.Empty);
        var announceNoLockNoNotify = Edit(announceNoLock, @"PERFORM pg_notify\([^;]*\);", string.Empty);
        var notifyNoLookup = Edit(notifyChange, @"IF TG_TABLE_NAME = 'products' THEN.*?ELSIF.*?END IF;", string.Empty);
        var saveIndexes = new List<(string Name, string Definition)>();
        await using (var cmd = db.CreateCommand("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'products' AND (indexdef ~ '\\((version|last_changed_at|last_changed_by), id\\)') ORDER BY indexname"))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                saveIndexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        await using (var cmd = db.CreateCommand("SELECT string_agg(indexdef, '; ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'products'"))
        {
            Console.WriteLine($"  products indexes: {await cmd.ExecuteScalarAsync()}");
        }

        Console.WriteLine($"  dropped for the 'without the save indexes' variants: {string.Join(", ", saveIndexes.Select(x => x.Name))}");

        var current = new Setup(Triggers.Full, announce, notifyChange);
        async Task ApplyAsync(Setup setup)
        {
            if (setup.Triggers != current.Triggers)
            {
                await ExecuteAsync(setup.Triggers switch
                {
                    Triggers.None => "ALTER TABLE products DISABLE TRIGGER USER",
                    Triggers.HistoryOnly => "ALTER TABLE products DISABLE TRIGGER USER; ALTER TABLE products ENABLE TRIGGER products_history",
                    _ => "ALTER TABLE products ENABLE TRIGGER USER",
                });
            }

            if (setup.Announce != current.Announce)
            {
                await ExecuteAsync(setup.Announce);
            }

            if (setup.NotifyChange != current.NotifyChange)
            {
                await ExecuteAsync(setup.NotifyChange);
            }

            if (setup.AllIndexes != current.AllIndexes)
            {
                foreach (var (name, definition) in saveIndexes)
                {
                    await ExecuteAsync(setup.AllIndexes ? definition : $"DROP INDEX {name}");
                }
            }

            current = setup;
        }

        var full = new Setup(Triggers.Full, announce, notifyChange);
        var none = full with { Triggers = Triggers.None };
        Func<int, Task<double>> Saves(Func<int, Task> save) => async n => (await SaveComparison.MeasureAsync(n, save, duration)).PerSecond;
        Func<int, Task<double>> Pgbench(string script, bool app) => n => RunPgbenchAsync(pgbench!, connectionString, script, n, duration, app ? pgbenchRows : null);
        var variants = new List<Variant>
        {
            new("before: ProductStore, reset pool, old announce", full with { Announce = AnnounceBefore }, Saves(i => StoreAsync(resetStore, i))),
            new("ProductStore, reset pool", full, Saves(i => StoreAsync(resetStore, i))),
            new("after: ProductStore (app pool)", full, Saves(i => StoreAsync(store, i))),
            new("raw, reset, unprepared", full, Saves(i => RawAsync(resetDb, i, false))),
            new("raw, reset, auto-prepare", full, Saves(i => RawAsync(resetPreparedDb, i, false))),
            new("raw, no reset, unprepared", full, Saves(i => RawAsync(noResetDb, i, false))),
            new("raw, app pool", full, Saves(i => RawAsync(db, i, false))),
            new("before: ProductStore, reset pool, triggers off", none, Saves(i => StoreAsync(resetStore, i))),
            new("after: ProductStore, triggers off", none, Saves(i => StoreAsync(store, i))),
            new("raw, reset, unprepared, triggers off", none, Saves(i => RawAsync(resetDb, i, false))),
            new("raw, app pool, triggers off", none, Saves(i => RawAsync(db, i, false))),
            new("ProductStore, history only", full with { Triggers = Triggers.HistoryOnly }, Saves(i => StoreAsync(store, i))),
            new("ProductStore, no commit-order lock", full with { Announce = announceNoLock }, Saves(i => StoreAsync(store, i))),
            new("ProductStore, no NOTIFY", full with { Announce = announceNoNotify }, Saves(i => StoreAsync(store, i))),
            new("ProductStore, no self-lookup", full with { NotifyChange = notifyNoLookup }, Saves(i => StoreAsync(store, i))),
            new("raw, app pool, off, without save indexes", none with { AllIndexes = false }, Saves(i => RawAsync(db, i, false))),
            new("raw description-only, off", none, Saves(i => RawAsync(db, i, true))),
            new("raw description-only, off, without save indexes", none with { AllIndexes = false }, Saves(i => RawAsync(db, i, true))),
        };
        if (pgbench is not null)
        {
            variants.Add(new("pgbench app UPDATE", full, Pgbench(appScript, true)));
            variants.Add(new("pgbench anchor UPDATE", full, Pgbench(anchorScript, false)));
            variants.Add(new("pgbench app UPDATE, triggers off", none, Pgbench(appScript, true)));
            variants.Add(new("pgbench app UPDATE, history only", full with { Triggers = Triggers.HistoryOnly }, Pgbench(appScript, true)));
            variants.Add(new("pgbench app UPDATE, no commit-order lock", full with { Announce = announceNoLock }, Pgbench(appScript, true)));
            variants.Add(new("pgbench app UPDATE, no NOTIFY", full with { Announce = announceNoNotify }, Pgbench(appScript, true)));
            variants.Add(new("pgbench app UPDATE, no lock, no NOTIFY", full with { Announce = announceNoLockNoNotify }, Pgbench(appScript, true)));
            variants.Add(new("pgbench anchor UPDATE, triggers off", none, Pgbench(anchorScript, false)));
        }

        Console.WriteLine($"write-path: saves/s, {duration.TotalSeconds:F0} s per measurement, median of {rounds} rounds (order rotated), {Environment.ProcessorCount} cores shared by client and server; pgbench: {pgbench ?? "not found"} (-M prepared, its own connections); load average before: {SaveComparison.LoadAverage()}");
        var rates = new Dictionary<(int, string), List<double>>();
        try
        {
            // Warm-up (JIT, pools, caches) of the in-process variants.
            await SaveComparison.MeasureAsync(8, i => StoreAsync(store, i), TimeSpan.FromSeconds(1));
            await SaveComparison.MeasureAsync(8, i => StoreAsync(resetStore, i), TimeSpan.FromSeconds(1));
            await SaveComparison.MeasureAsync(8, i => RawAsync(db, i, false), TimeSpan.FromSeconds(1));

            // What one save sends (writer 0), from the server's statement log: one round trip each
            // (Npgsql sends a pending reset in the same write as the next command).
            await StatementLog.PrintPerSaveAsync(cluster, [
                new SaveVariant("ProductStore, reset pool", i => StoreAsync(resetStore, i)),
                new SaveVariant("ProductStore, app pool", i => StoreAsync(store, i)),
            ]);

            foreach (var clients in levels)
            {
                for (var round = 0; round < rounds; round++)
                {
                    for (var j = 0; j < variants.Count; j++)
                    {
                        var variant = variants[(j + round) % variants.Count];
                        await ApplyAsync(variant.Setup);
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
            await ApplyAsync(full);
            File.Delete(anchorScript);
            File.Delete(appScript);
        }

        double M(int n, string name) => SaveComparison.Median(rates[(n, name)]);
        var width = variants.Max(v => v.Name.Length) + 2;
        Console.WriteLine($"{"variant".PadRight(width)}{"1 writer",10}{"8 writers",11}   per round (1 | 8)");
        foreach (var variant in variants)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{variant.Name.PadRight(width)}{M(1, variant.Name),10:F0}{M(8, variant.Name),11:F0}   {SaveComparison.Join(rates[(1, variant.Name)], "F0")} | {SaveComparison.Join(rates[(8, variant.Name)], "F0")}"));
        }

        string PerLevel(Func<int, string> text) => string.Join(", ", levels.Select(n => $"{n} writer(s) {text(n)}"));
        string Cost(string on, string off) => PerLevel(n => string.Create(CultureInfo.InvariantCulture, $"{(1 - (M(n, on) / M(n, off))) * 100:F0} %"));
        string Ratio(string a, string b) => PerLevel(n => string.Create(CultureInfo.InvariantCulture, $"{M(n, a) / M(n, b):F2}x"));
        Console.WriteLine($"  trigger cost before (ProductStore, reset pool, old announce vs triggers off): {Cost("before: ProductStore, reset pool, old announce", "before: ProductStore, reset pool, triggers off")}");
        Console.WriteLine($"  trigger cost after (ProductStore, app pool): {Cost("after: ProductStore (app pool)", "after: ProductStore, triggers off")}; target <= 15 %");
        Console.WriteLine($"  trigger cost, raw UPDATE on the app pool: {Cost("raw, app pool", "raw, app pool, triggers off")}");
        Console.WriteLine($"  after vs before (ProductStore, triggers on): {Ratio("after: ProductStore (app pool)", "before: ProductStore, reset pool, old announce")}");
        Console.WriteLine($"  client cost (raw / ProductStore, app pool, triggers on): {Ratio("raw, app pool", "after: ProductStore (app pool)")}");
        Console.WriteLine($"  each part's cost (fewer saves/s than without it, ProductStore on the app pool): history trigger {Cost("ProductStore, history only", "after: ProductStore, triggers off")}; change trigger over history {Cost("after: ProductStore (app pool)", "ProductStore, history only")}; lock {Cost("after: ProductStore (app pool)", "ProductStore, no commit-order lock")}; NOTIFY {Cost("after: ProductStore (app pool)", "ProductStore, no NOTIFY")}; self-lookup {Cost("after: ProductStore (app pool)", "ProductStore, no self-lookup")}");
        Console.WriteLine($"  the 3 save indexes' cost (raw, triggers off): stock+version saves {Cost("raw, app pool, triggers off", "raw, app pool, off, without save indexes")}; description-only saves {Cost("raw description-only, off", "raw description-only, off, without save indexes")}");
        if (pgbench is not null)
        {
            Console.WriteLine($"  pgbench app UPDATE (triggers on) / ProductStore: before {Ratio("pgbench app UPDATE", "before: ProductStore, reset pool, old announce")}; after {Ratio("pgbench app UPDATE", "after: ProductStore (app pool)")}; target at 8 writers <= 3x");
            Console.WriteLine($"  pgbench anchor UPDATE (triggers on) / ProductStore: before {Ratio("pgbench anchor UPDATE", "before: ProductStore, reset pool, old announce")}; after {Ratio("pgbench anchor UPDATE", "after: ProductStore (app pool)")}");
            Console.WriteLine($"  trigger cost, pgbench app UPDATE: {Cost("pgbench app UPDATE", "pgbench app UPDATE, triggers off")}; anchor: {Cost("pgbench anchor UPDATE", "pgbench anchor UPDATE, triggers off")}");
            Console.WriteLine($"  each part's cost, pgbench app UPDATE: history trigger {Cost("pgbench app UPDATE, history only", "pgbench app UPDATE, triggers off")}; change trigger over history {Cost("pgbench app UPDATE", "pgbench app UPDATE, history only")}; lock {Cost("pgbench app UPDATE", "pgbench app UPDATE, no commit-order lock")}; NOTIFY {Cost("pgbench app UPDATE", "pgbench app UPDATE, no NOTIFY")}; both {Cost("pgbench app UPDATE", "pgbench app UPDATE, no lock, no NOTIFY")}");
        }

        Console.WriteLine($"  load average after the measurements: {SaveComparison.LoadAverage()}");
    }

    /// <summary>
    /// <see cref="ProductStore.UpdateSql"/> as a pgbench script: client c saves row <paramref name="firstRow"/> + c, with the
    /// version it read back the last time (\gset; the run starts at the version <see cref="RunPgbenchAsync"/> set).
    /// </summary>
    private static string AppUpdateScript(int firstRow)
    {
        string[] arguments =
        [
            "'product/' || :id", "'PGB-' || lpad((:id - " + firstRow.ToString(CultureInfo.InvariantCulture) + ")::text, 3, '0')", "'pgbench product ' || (:id - " + firstRow.ToString(CultureInfo.InvariantCulture) + ")",
            "'Saved by pgbench.'", "10 + (:id - " + firstRow.ToString(CultureInfo.InvariantCulture) + ")", ":stock", "false", "'bench-user'", "'Bench'", "gen_random_uuid()", ":id", ":version", "false",
            "'00000000-0000-0000-0000-000000000000'::uuid",
        ];
        var sql = string.Join('\n', ProductStore.UpdateSql.Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal)));
        for (var n = arguments.Length; n >= 1; n--)
        {
            sql = sql.Replace($"${n}", $"({arguments[n - 1]})", StringComparison.Ordinal);
        }

        return $"\\set id {firstRow} + :client_id\n\\set stock (:version % 1000) + 1\n{sql.Trim()}\n\\gset\n";
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

    /// <summary>
    /// One pgbench run; for the app's UPDATE (<paramref name="appRows"/>), the clients' rows are first set to one
    /// version and stock 0, and -D version= starts every client there.
    /// </summary>
    private static async Task<double> RunPgbenchAsync(string pgbench, string connectionString, string script, int clients, TimeSpan duration, int[]? appRows)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(pgbench)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var args = new List<string> { "-n", "-M", "prepared", "-f", script, "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", clients.ToString(CultureInfo.InvariantCulture), "-T", ((int)Math.Max(1, duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture), "-h", cs.Host!, "-p", cs.Port.ToString(CultureInfo.InvariantCulture), "-U", cs.Username! };
        if (appRows is not null)
        {
            await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("UPDATE products SET version = (SELECT max(version) + 1 FROM products WHERE id = ANY($1)), stock = 0 WHERE id = ANY($1) RETURNING version", connection);
            cmd.Parameters.Add(new() { Value = appRows });
            var version = (int)(await cmd.ExecuteScalarAsync())!;
            args.AddRange(["-D", $"version={version}"]);
        }

        args.Add(cs.Database!);
        foreach (var arg in args)
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

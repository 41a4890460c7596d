using System.Diagnostics;
using CollabEditor.Core.Users;
using CollabEditor.Data.Lists;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Open products lists under a stream of saves: the real app (<see cref="BenchApp"/>) in this process,
/// N products-list pages in headless Chromium in a child process (<see cref="CircuitBrowser"/>), 20
/// product saves/s through <see cref="ProductStore"/> for 20 s, half of them to rows the lists show
/// (price and stock: no row moves). Printed per N: the list-related statements/s the database ran
/// (its statement log: the lists' own count, page and lease queries, and the instance's shared reads of
/// changed rows and leases), and the time from a save's acknowledgement (just after its commit) to
/// the new version appearing on each page (a MutationObserver in the page; indicative, the browser
/// shares the cores). Each N runs twice on the same open pages: patching (the app's behaviour) and
/// the old behaviour, every list re-querying on every change (Lists:LivePatch = false), as the baseline.
/// </summary>
internal static class ListLive
{
    private const int SavesPerSecond = 20;

    private sealed record Result(string Mode, int Pages, double Seconds, int Saves, double ListQueriesPerSecond, double SharedReadsPerSecond, double P50, double P99, int Seen, int Expected)
    {
        public double StatementsPerSecond => ListQueriesPerSecond + SharedReadsPerSecond;

        /// <summary>Per save: on a machine too busy to keep up 20 saves/s the rate of saves varies with N, this does not.</summary>
        public double StatementsPerSave => Saves == 0 ? double.NaN : StatementsPerSecond * Seconds / Saves;
    }

    public static async Task RunAsync(IReadOnlyList<int> pageCounts, TimeSpan duration)
    {
        var (app, cluster) = await BenchApp.StartAsync();
        await using var _ = cluster;
        using var __ = app;
        var store = app.Services.GetRequiredService<ProductStore>();
        var options = app.Services.GetRequiredService<IOptions<ListOptions>>().Value;

        // What a list shows: the first page by SKU. Saves alternate between its rows and rows of later pages.
        var shown = (await store.ListAsync(new ProductQuery(PageSize: 25))).Items.Where(p => !p.Values.RequiresCheckout).ToList();
        var all = await store.ListAsync(new ProductQuery(PageSize: 200));
        var hidden = all.Items.Skip(25).Where(p => !p.Values.RequiresCheckout).ToList();
        var total = all.TotalCount;
        Console.WriteLine($"list-live: N products-list pages (/products: first page of 25 by SKU, {total} products), {SavesPerSecond} saves/s for {duration.TotalSeconds:F0} s through ProductStore, " +
                          $"alternately to {shown.Count} shown rows and {hidden.Count} rows of later pages (price and stock only); headless Chromium in a child process, 4 browser contexts; {Environment.ProcessorCount} cores");
        Console.WriteLine("  statements from the cluster's statement log: list queries = a list's count, page and lease-list SELECTs; shared reads = the instance's 'id = ANY' reads of changed rows and leases");
        Console.WriteLine("  latency = from the save's acknowledgement (just after its commit) to the new version on the page, per page and saved shown row (a later version seen first counts for the earlier one)");
        await using var browser = await CircuitBrowser.StartAsync(app.BaseAddress, 4);
        var results = new List<Result>();
        var opened = 0;
        foreach (var n in pageCounts.Order())
        {
            var openSeconds = await browser.OpenListsAsync(Enumerable.Repeat("/products", n - opened));
            opened = n;
            Console.WriteLine($"  {n} pages open ({openSeconds:F1} s to open the new ones)");
            foreach (var patch in Environment.GetEnvironmentVariable("LIST_LIVE_BASELINE_FIRST") is null ? new[] { true, false } : [false, true])
            {
                options.LivePatch = patch;
                // Let the previous mode's last batches and re-queries end before counting.
                await Task.Delay(TimeSpan.FromSeconds(2));
                await browser.SeenAsync();
                var result = await MeasureAsync(cluster, store, browser, shown, hidden, n, patch ? "patch" : "re-query (old)", duration);
                results.Add(result);
                Print(result, results);
            }
        }

        options.LivePatch = true;
        Console.WriteLine();
        Console.WriteLine($"{"mode",-16}{"N",-6}{"saves/s",-9}{"list stmts/s",-14}{"(list queries",-15}{"shared reads)",-15}{"vs N=" + pageCounts.Min(),-10}{"stmts/save",-12}{"p50 ms",-9}{"p99 ms",-9}seen/expected");
        foreach (var r in results.OrderBy(r => r.Mode != "patch").ThenBy(r => r.Pages))
        {
            Print(r, results, table: true);
        }

        var patched = results.Where(r => r.Mode == "patch").ToList();
        var ratio = patched.MaxBy(r => r.Pages)!.StatementsPerSecond / Math.Max(0.001, patched.MinBy(r => r.Pages)!.StatementsPerSecond);
        Console.WriteLine($"  load average at the end: {SaveComparison.LoadAverage()}");
        var perSave = patched.MaxBy(r => r.Pages)!.StatementsPerSave / patched.MinBy(r => r.Pages)!.StatementsPerSave;
        Console.WriteLine($"  target: list statements/s independent of N within 2x (patch, largest / smallest N): {ratio:F2}x per second, {perSave:F2}x per save — {(perSave is <= 2 and >= 0.5 ? "met" : "NOT met")} per save{(ratio is <= 2 and >= 0.5 ? "" : "; per second the machine did not keep the save rate up")}");
        await browser.CloseAllAsync();
    }

    private static void Print(Result r, List<Result> all, bool table = false)
    {
        var first = all.FirstOrDefault(x => x.Mode == r.Mode && x.Pages == all.Where(y => y.Mode == r.Mode).Min(y => y.Pages));
        var ratio = first is null || first.StatementsPerSecond == 0 ? double.NaN : r.StatementsPerSecond / first.StatementsPerSecond;
        var line = $"{r.Mode,-16}{r.Pages,-6}{r.Saves / r.Seconds,-9:F1}{r.StatementsPerSecond,-14:F1}{r.ListQueriesPerSecond,-15:F1}{r.SharedReadsPerSecond,-15:F1}{ratio,-10:F2}{r.StatementsPerSave,-12:F2}{r.P50,-9:F0}{r.P99,-9:F0}{r.Seen}/{r.Expected}";
        Console.WriteLine(table ? line : "  " + line);
    }

    private static async Task<Result> MeasureAsync(Data.LocalPostgres.LocalPostgresCluster cluster, ProductStore store, CircuitBrowser browser,
        List<Core.Products.ProductSnapshot> shown, List<Core.Products.ProductSnapshot> hidden, int pages, string mode, TimeSpan duration)
    {
        var actor = new Actor("bench-id", "Bench");
        var versions = shown.Concat(hidden).ToDictionary(p => p.Id, p => p);
        var shownIds = shown.Select(p => p.Id).ToHashSet();
        var commits = new List<(int Id, int Version, double At)>();
        var saves = 0;
        var clock = Stopwatch.StartNew();
        var statements = await StatementLog.CaptureAsync(cluster, async () =>
        {
            clock.Restart();
            var random = new Random(HashCode.Combine(pages, mode));
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / SavesPerSecond));
            while (clock.Elapsed < duration && await timer.WaitForNextTickAsync())
            {
                var from = saves % 2 == 0 ? shown : hidden;
                var current = versions[from[random.Next(from.Count)].Id];
                var values = current.Values with { Stock = random.Next(1000), Price = Math.Round(1 + (decimal)random.NextDouble() * 500, 2) };
                // A save of what is already there makes no new version: only new versions count.
                if (await store.UpdateAsync(current.Id, current.Version, values, actor) is SaveResult.Saved saved && saved.Current.Version > current.Version)
                {
                    var at = TimeProvider.System.GetUtcNow().UtcTicks / (double)TimeSpan.TicksPerMillisecond - DateTimeOffset.UnixEpoch.UtcTicks / (double)TimeSpan.TicksPerMillisecond;
                    versions[saved.Current.Id] = saved.Current;
                    saves++;
                    if (shownIds.Contains(saved.Current.Id))
                    {
                        commits.Add((saved.Current.Id, saved.Current.Version, at));
                    }
                }
            }
        });
        var seconds = clock.Elapsed.TotalSeconds;
        // shown rows keep their versions for the next measurement
        for (var i = 0; i < shown.Count; i++)
        {
            shown[i] = versions[shown[i].Id];
        }

        for (var i = 0; i < hidden.Count; i++)
        {
            hidden[i] = versions[hidden[i].Id];
        }

        // The last saves' updates reach the pages within a second or so.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var seen = await browser.SeenAsync();
        if (Environment.GetEnvironmentVariable("LIST_LIVE_DEBUG") is not null)
        {
            Console.WriteLine("    page 0 shows " + await browser.RowsAsync());
            Console.WriteLine("    bench thinks " + string.Join(' ', shown.Select(p => $"{p.Id}:{p.Version}")));
        }

        var latencies = Latencies(commits, seen, pages, out var matched);
        var listQueries = statements.Count(IsListQuery);
        var sharedReads = statements.Count(IsSharedRead);
        return new Result(mode, pages, seconds, saves, listQueries / seconds, sharedReads / seconds, Percentile(latencies, 0.5), Percentile(latencies, 0.99), matched, commits.Count * pages);
    }

    /// <summary>Per page and committed (id, version): the first time the page showed that version or a later one, minus the commit's acknowledgement.</summary>
    private static double[] Latencies(List<(int Id, int Version, double At)> commits, IReadOnlyList<(int Page, int Id, int Version, double At)> seen, int pages, out int matched)
    {
        var byPageAndId = seen.GroupBy(s => (s.Page, s.Id)).ToDictionary(g => g.Key, g => g.OrderBy(s => s.Version).ToArray());
        var latencies = new List<double>();
        matched = 0;
        for (var page = 0; page < pages; page++)
        {
            foreach (var (id, version, at) in commits)
            {
                if (byPageAndId.TryGetValue((page, id), out var shows) && shows.Where(s => s.Version >= version).Select(s => s.At).DefaultIfEmpty(double.NaN).Min() is var first && !double.IsNaN(first))
                {
                    latencies.Add(Math.Max(0, first - at));
                    matched++;
                }
            }
        }

        if (Environment.GetEnvironmentVariable("LIST_LIVE_DEBUG") is not null)
        {
            foreach (var (id, version, at) in commits)
            {
                for (var page = 0; page < pages; page++)
                {
                    if (!byPageAndId.TryGetValue((page, id), out var shows) || !shows.Any(s => s.Version >= version))
                    {
                        Console.WriteLine($"    missed: page {page} product {id} version {version} (page shows up to {(shows is null ? 0 : shows.Max(s => s.Version))}), committed {at:F0}, last commit {commits[^1].At:F0}");
                    }
                }
            }
        }

        latencies.Sort();
        return [.. latencies];
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    /// <summary>A list's own count (or estimate), sorted page or lease list.</summary>
    private static bool IsListQuery(string sql)
    {
        if (!(sql.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) || sql.StartsWith("EXPLAIN", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        return sql.Contains("starts_with(resource_key", StringComparison.Ordinal)
            || (sql.Contains("FROM products", StringComparison.Ordinal) && (sql.Contains("ORDER BY", StringComparison.Ordinal) || sql.Contains("count(", StringComparison.OrdinalIgnoreCase) || sql.StartsWith("EXPLAIN", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>The instance's one read of the changed rows or leases of a batch.</summary>
    private static bool IsSharedRead(string sql) =>
        sql.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) && sql.Contains("= ANY(", StringComparison.Ordinal)
        && (sql.Contains("FROM products", StringComparison.Ordinal) || sql.Contains("FROM leases", StringComparison.Ordinal));
}

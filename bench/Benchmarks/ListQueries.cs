using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CollabEditor.Data.History;
using CollabEditor.Data.Lists;
using CollabEditor.Data.Seeding;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Every list query of the products and orders lists through the app's own stores and through the HTTP API
/// (<see cref="ProductStore.ListAsync"/>, <see cref="OrderStore.ListAsync"/>, with the queries the
/// API builds), first on the demo set, then — same app, same database, same run — after
/// <see cref="ScaleData"/> has added the scale set; median of 7 each, side by side with the ratio
/// and the target (≤ 25 ms and ≤ 4× demo). It measures whatever the stores and indexes do today.
/// </summary>
internal static class ListQueries
{
    private const int Runs = 7;
    private const double TargetMs = 25;
    private const double TargetRatio = 4;

    /// <summary>What some queries need from the data as it is: an exact SKU and number, cursors into the middle, the deepest history.</summary>
    private sealed record Context(string Sku, string Number, ListCursor ProductMiddle, ListCursor OrderMiddle, int HistoryProduct, int HistoryVersions);

    /// <summary>A list query: through the store, and the same query as the API's URL.</summary>
    private sealed record Query(string Name, Func<IServiceProvider, Context, Task<int>> RunAsync, Func<Context, string> Url);

    public static async Task RunAsync(int products, int orders)
    {
        var (app, cluster) = await BenchApp.StartAsync();
        await using var _ = cluster;
        using var __ = app;
        var services = app.Services;
        var db = services.GetRequiredService<NpgsqlDataSource>();

        var queries = new List<Query>();
        void P(string name, Func<Context, ProductQuery> make) =>
            queries.Add(new($"products: {name}", async (sp, c) => (await sp.GetRequiredService<ProductStore>().ListAsync(make(c))).Items.Count,
                c => Url("/api/products", make(c) is var q ? (q.Search, q.SortBy, q.Descending, q.Page, q.PageSize, q.Cursor) : default)));
        void O(string name, Func<Context, OrderQuery> make) =>
            queries.Add(new($"orders: {name}", async (sp, c) => (await sp.GetRequiredService<OrderStore>().ListAsync(make(c))).Items.Count,
                c => Url("/api/orders", make(c) is var q ? (q.Search, q.SortBy, q.Descending, q.Page, q.PageSize, q.Cursor) : default)));

        P("first page", _ => new ProductQuery());
        foreach (var column in new[] { nameof(Product.Sku), nameof(Product.Name), nameof(Product.Price), nameof(Product.Stock), nameof(Product.Version), nameof(Product.LastChangedAt), nameof(Product.LastChangedBy) })
        {
            P($"sort {column} asc", _ => new ProductQuery(SortBy: column));
            P($"sort {column} desc", _ => new ProductQuery(SortBy: column, Descending: true));
        }

        P("search SKU substring 'AK-DE'", _ => new ProductQuery(Search: "AK-DE"));
        P("search name substring 'lamp'", _ => new ProductQuery(Search: "lamp"));
        P("search matching nothing", _ => new ProductQuery(Search: "qqxqq-none"));
        P("deep page by cursor (middle, by price)", c => new ProductQuery(Cursor: c.ProductMiddle));
        P("page before the middle (cursor)", c => new ProductQuery(Cursor: c.ProductMiddle with { Move = PageMove.Before }));
        P("last page by price (cursor)", _ => new ProductQuery(Cursor: ListCursor.LastOf(nameof(Product.Price), false)));
        P("deep page 19,000 of 50 (OFFSET, old)", _ => new ProductQuery(Page: 19_000, PageSize: 50));
        P("exact SKU", c => new ProductQuery(Search: c.Sku));
        O("first page (number)", _ => new OrderQuery());
        foreach (var column in OrderStore.SortColumns.Select(c => c.Name))
        {
            O($"sort {column} asc", _ => new OrderQuery(SortBy: column));
            O($"sort {column} desc", _ => new OrderQuery(SortBy: column, Descending: true));
        }

        O("search customer substring 'sen'", _ => new OrderQuery(Search: "sen"));
        O("search matching nothing", _ => new OrderQuery(Search: "qqxqq-none"));
        O("deep page by cursor (middle, by total)", c => new OrderQuery(Cursor: c.OrderMiddle));
        O("last page by total (cursor)", _ => new OrderQuery(Cursor: ListCursor.LastOf(nameof(OrderSummary.Total), false)));
        O("exact number", c => new OrderQuery(Search: c.Number));
        queries.Add(new("history: first 50 of the deepest product", async (sp, c) => (await sp.GetRequiredService<HistoryStore>().ProductHistoryPageAsync(c.HistoryProduct, 50)).Items.Count,
            c => $"/api/products/{c.HistoryProduct}/history?limit=50"));

        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        using (var token = await http.PostAsJsonAsync("/api/auth/token", new { userName = "alice", password = DemoData.DemoPassword }))
        {
            var body = await token.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("accessToken").GetString());
        }

        Console.WriteLine($"list-queries: median of {Runs} per query through ProductStore/OrderStore and through the HTTP API (GET, bearer token; page size 25 unless said), demo set, then the scale set added by seed-scale in the same run; {Environment.ProcessorCount} cores");
        var demo = await MeasureAllAsync(services, db, http, queries);
        Console.WriteLine($"seed-scale {products:N0} {orders:N0} into the same database:");
        await ScaleData.SeedAsync(app.ConnectionString, products, orders, historyVersions: 10_000);
        var scale = await MeasureAllAsync(services, db, http, queries);

        var width = queries.Max(q => q.Name.Length) + 2;
        Console.WriteLine($"{"query".PadRight(width)}{"store: demo ms",15}{"scale ms",10}{"ratio",7}  {"API: demo ms",13}{"scale ms",10}{"ratio",7}  target (<= {TargetMs} ms and <= {TargetRatio}x)");
        var met = 0;
        for (var i = 0; i < queries.Count; i++)
        {
            var storeRatio = scale.Store[i] / demo.Store[i];
            var apiRatio = scale.Api[i] / demo.Api[i];
            var storeOk = scale.Store[i] <= TargetMs && storeRatio <= TargetRatio;
            var apiOk = scale.Api[i] <= TargetMs && apiRatio <= TargetRatio;
            met += apiOk ? 1 : 0;
            var verdict = (storeOk, apiOk) switch { (true, true) => "met", (true, false) => "store met, API NOT met", (false, true) => "API met, store NOT met", _ => "NOT met" };
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{queries[i].Name.PadRight(width)}{demo.Store[i],15:F1}{scale.Store[i],10:F1}{storeRatio,7:F1}  {demo.Api[i],13:F1}{scale.Api[i],10:F1}{apiRatio,7:F1}  {verdict}"));
        }

        Console.WriteLine($"  {met} of {queries.Count} queries meet the target through the API; load average {SaveComparison.LoadAverage()}");
    }

    private static string Url(string path, (string? Search, string? SortBy, bool Descending, int Page, int PageSize, ListCursor? Cursor) q)
    {
        var parts = new List<string>();
        if (q.Cursor is not null)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{path}?cursor={q.Cursor.Encode()}&pageSize={q.PageSize}");
        }

        if (q.Search is not null)
        {
            parts.Add($"search={Uri.EscapeDataString(q.Search)}");
        }

        if (q.SortBy is not null)
        {
            parts.Add($"sort={q.SortBy}&desc={(q.Descending ? "true" : "false")}");
        }

        parts.Add(string.Create(CultureInfo.InvariantCulture, $"page={q.Page}&pageSize={q.PageSize}"));
        return $"{path}?{string.Join('&', parts)}";
    }

    /// <summary>Median milliseconds per query; the exact SKU and order number are taken from the middle of the current data.</summary>
    private static async Task<(double[] Store, double[] Api)> MeasureAllAsync(IServiceProvider services, NpgsqlDataSource db, HttpClient http, List<Query> queries)
    {
        async Task<object[]> RowAsync(string sql)
        {
            await using var command = db.CreateCommand(sql);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            return values;
        }

        var sku = (string)(await RowAsync("SELECT sku FROM products ORDER BY id OFFSET (SELECT count(*) / 2 FROM products) LIMIT 1"))[0];
        var number = (string)(await RowAsync("SELECT number FROM orders ORDER BY id OFFSET (SELECT count(*) / 2 FROM orders) LIMIT 1"))[0];
        // Where a person who pressed "next" half a million times would be (found once, not timed).
        var productMiddle = await RowAsync("SELECT price, id FROM products ORDER BY price, id OFFSET (SELECT count(*) / 2 FROM products) LIMIT 1");
        var orderMiddle = await RowAsync("SELECT total, id FROM orders ORDER BY total, id OFFSET (SELECT count(*) / 2 FROM orders) LIMIT 1");
        var deepest = await RowAsync("SELECT substr(resource_key, 9)::int, count(*)::int FROM record_history WHERE resource_key LIKE 'product/%' GROUP BY 1 ORDER BY 2 DESC LIMIT 1");
        var context = new Context(sku, number,
            new ListCursor(nameof(Product.Price), false, PageMove.After, Keyset.Number((decimal)productMiddle[0]), (int)productMiddle[1]),
            new ListCursor(nameof(OrderSummary.Total), false, PageMove.After, Keyset.Number((decimal)orderMiddle[0]), (int)orderMiddle[1]),
            (int)deepest[0], (int)deepest[1]);
        Console.WriteLine($"  (the deepest product history: product {context.HistoryProduct}, {context.HistoryVersions:N0} versions)");
        var store = new double[queries.Count];
        var api = new double[queries.Count];
        for (var i = 0; i < queries.Count; i++)
        {
            var url = queries[i].Url(context);
            // Warm-up of each path: plan cache, buffers, JIT.
            await queries[i].RunAsync(services, context);
            (await http.GetAsync(new Uri(url, UriKind.Relative))).EnsureSuccessStatusCode().Dispose();
            var storeTimes = new List<double>();
            var apiTimes = new List<double>();
            for (var run = 0; run < Runs; run++)
            {
                // Interleaved, so both paths see the same moments of the shared machine.
                var clock = Stopwatch.StartNew();
                await queries[i].RunAsync(services, context);
                storeTimes.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                using var response = await http.GetAsync(new Uri(url, UriKind.Relative));
                _ = await response.EnsureSuccessStatusCode().Content.ReadAsByteArrayAsync();
                apiTimes.Add(clock.Elapsed.TotalMilliseconds);
            }

            store[i] = SaveComparison.Median(storeTimes);
            api[i] = SaveComparison.Median(apiTimes);
        }

        return (store, api);
    }
}

using System.Diagnostics;
using System.Globalization;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Every list query of the products and orders lists through the app's own stores
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

    private sealed record Query(string Name, Func<IServiceProvider, string, string, Task<int>> RunAsync);

    public static async Task RunAsync(int products, int orders)
    {
        var (app, cluster) = await BenchApp.StartAsync();
        await using var _ = cluster;
        using var __ = app;
        var services = app.Services;
        var db = services.GetRequiredService<NpgsqlDataSource>();

        var queries = new List<Query>();
        void P(string name, Func<string, string, ProductQuery> make) =>
            queries.Add(new($"products: {name}", async (sp, sku, _) => (await sp.GetRequiredService<ProductStore>().ListAsync(make(sku, ""))).Items.Count));
        void O(string name, Func<string, OrderQuery> make) =>
            queries.Add(new($"orders: {name}", async (sp, _, number) => (await sp.GetRequiredService<OrderStore>().ListAsync(make(number))).Items.Count));

        P("first page", (_, _) => new ProductQuery());
        foreach (var column in new[] { nameof(Product.Sku), nameof(Product.Name), nameof(Product.Price), nameof(Product.Stock), nameof(Product.Version), nameof(Product.LastChangedAt), nameof(Product.LastChangedBy) })
        {
            P($"sort {column} asc", (_, _) => new ProductQuery(SortBy: column));
            P($"sort {column} desc", (_, _) => new ProductQuery(SortBy: column, Descending: true));
        }

        P("search SKU substring 'AK-DE'", (_, _) => new ProductQuery(Search: "AK-DE"));
        P("search name substring 'lamp'", (_, _) => new ProductQuery(Search: "lamp"));
        P("search matching nothing", (_, _) => new ProductQuery(Search: "qqxqq-none"));
        P("deep page 19,000 of 50", (_, _) => new ProductQuery(Page: 19_000, PageSize: 50));
        P("exact SKU", (sku, _) => new ProductQuery(Search: sku));
        O("first page (number)", _ => new OrderQuery());
        foreach (var column in new[] { nameof(OrderSummary.Number), nameof(OrderSummary.CustomerName), nameof(OrderSummary.Status), nameof(OrderSummary.Total), nameof(OrderSummary.LastChangedAt) })
        {
            O($"sort {column} asc", _ => new OrderQuery(SortBy: column));
            O($"sort {column} desc", _ => new OrderQuery(SortBy: column, Descending: true));
        }

        O("search customer substring 'sen'", _ => new OrderQuery(Search: "sen"));
        O("search matching nothing", _ => new OrderQuery(Search: "qqxqq-none"));
        O("exact number", number => new OrderQuery(Search: number));

        Console.WriteLine($"list-queries: median of {Runs} per query through ProductStore/OrderStore (page size 25 unless said), demo set, then the scale set added by seed-scale in the same run; {Environment.ProcessorCount} cores");
        var demo = await MeasureAllAsync(services, db, queries);
        Console.WriteLine($"seed-scale {products:N0} {orders:N0} into the same database:");
        await ScaleData.SeedAsync(app.ConnectionString, products, orders, historyVersions: 10_000);
        var scale = await MeasureAllAsync(services, db, queries);

        var width = queries.Max(q => q.Name.Length) + 2;
        Console.WriteLine($"{"query".PadRight(width)}{"demo ms",9}{"scale ms",10}{"ratio",8}  target (<= {TargetMs} ms and <= {TargetRatio}x)");
        var met = 0;
        for (var i = 0; i < queries.Count; i++)
        {
            var ratio = scale[i] / demo[i];
            var ok = scale[i] <= TargetMs && ratio <= TargetRatio;
            met += ok ? 1 : 0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{queries[i].Name.PadRight(width)}{demo[i],9:F1}{scale[i],10:F1}{ratio,8:F1}  {(ok ? "met" : "NOT met")}"));
        }

        Console.WriteLine($"  {met} of {queries.Count} queries meet the target; load average {SaveComparison.LoadAverage()}");
    }

    /// <summary>Median milliseconds per query; the exact SKU and order number are taken from the middle of the current data.</summary>
    private static async Task<double[]> MeasureAllAsync(IServiceProvider services, NpgsqlDataSource db, List<Query> queries)
    {
        await using var skuCommand = db.CreateCommand("SELECT sku FROM products ORDER BY id OFFSET (SELECT count(*) / 2 FROM products) LIMIT 1");
        var sku = (string)(await skuCommand.ExecuteScalarAsync())!;
        await using var numberCommand = db.CreateCommand("SELECT number FROM orders ORDER BY id OFFSET (SELECT count(*) / 2 FROM orders) LIMIT 1");
        var number = (string)(await numberCommand.ExecuteScalarAsync())!;
        var medians = new double[queries.Count];
        for (var i = 0; i < queries.Count; i++)
        {
            await queries[i].RunAsync(services, sku, number); // warm-up: plan cache, buffers
            var times = new List<double>();
            for (var run = 0; run < Runs; run++)
            {
                var clock = Stopwatch.StartNew();
                await queries[i].RunAsync(services, sku, number);
                times.Add(clock.Elapsed.TotalMilliseconds);
            }

            medians[i] = SaveComparison.Median(times);
        }

        return medians;
    }
}

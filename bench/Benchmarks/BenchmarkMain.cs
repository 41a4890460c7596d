using System.Globalization;
using CollabEditor.Data;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.LocalPostgres;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Benchmarks print figures; they are not tests. Run in Release:
/// <c>dotnet run -c Release --project bench/Benchmarks -- live-latency [subscribers,…] [saves/s] [seconds] [json|messagepack] [nopin] [trace]</c>, or
/// <c>dotnet run -c Release --project bench/Benchmarks -- lease-throughput [seconds per measurement] [rounds]</c>,
/// <c>dotnet run -c Release --project bench/Benchmarks -- product-saves [seconds per measurement] [rounds]</c>,
/// <c>dotnet run -c Release --project bench/Benchmarks -- order-saves [seconds per measurement] [rounds] [writers]</c>, or
/// <c>dotnet run -c Release --project bench/Benchmarks -- circuit-memory [pages] [browser contexts] [rounds]</c>, or
/// <c>dotnet run -c Release --project bench/Benchmarks -- sign-in-timing [rounds]</c>,
/// <c>dotnet run -c Release --project bench/Benchmarks -- seed-scale [products] [orders] [connection string]</c>,
/// <c>dotnet run -c Release --project bench/Benchmarks -- list-queries [products] [orders]</c>,
/// <c>dotnet run -c Release --project bench/Benchmarks -- list-live [pages…]</c> (default 10 50 150; LIST_LIVE_SECONDS per measurement, default 20), or
/// <c>dotnet run -c Release --project bench/Benchmarks -- write-path [seconds per measurement] [rounds]</c>, or
/// <c>dotnet run -c Release --project bench/Benchmarks -- field-presence [moves]</c>.
/// </summary>
internal static class BenchmarkMain
{
    public static async Task<int> Main(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        switch (args.FirstOrDefault() ?? "live-latency")
        {
            case "live-latency":
                var counts = args.Length > 1 ? args[1].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray() : [100, 500, 1000];
                return await LiveLatency.RunAsync(counts, savesPerSecond: Arg(2, 50), duration: TimeSpan.FromSeconds(Arg(3, 20)), protocol: args.Length > 4 ? args[4] : "json", pin: !args.Skip(5).Contains("nopin"), trace: args.Skip(5).Contains("trace"));
            case LiveLatencyClients.ChildCommand:
                // The subscribers of live-latency, started by it as a child process.
                await LiveLatencyClients.ServeAsync(new Uri(args[1]), connections: Arg(2, 1000), protocol: args[3]);
                return 0;
            case "lease-throughput":
                await LeaseThroughput.RunAsync(duration: TimeSpan.FromSeconds(Arg(1, 5)), rounds: Arg(2, 3));
                return 0;
            case "product-saves":
                await ProductSaves.RunAsync(duration: TimeSpan.FromSeconds(Arg(1, 5)), rounds: Arg(2, 3));
                return 0;
            case "order-saves":
                await OrderSaves.RunAsync(duration: TimeSpan.FromSeconds(Arg(1, 5)), rounds: Arg(2, 3), writers: Arg(3, 8));
                return 0;
            case "circuit-memory":
                await CircuitMemory.RunAsync(pages: Arg(1, 100), contexts: Arg(2, 4), rounds: Arg(3, 2));
                return 0;
            case "sign-in-timing":
                await SignInTiming.RunAsync(rounds: Arg(1, 100));
                return 0;
            case "seed-scale":
                await SeedScaleAsync(products: Arg(1, 1_000_000), orders: Arg(2, 100_000), connectionString: args.Length > 3 ? args[3] : null);
                return 0;
            case "list-queries":
                await ListQueries.RunAsync(products: Arg(1, 1_000_000), orders: Arg(2, 100_000));
                return 0;
            case "list-live":
                await ListLive.RunAsync(
                    pageCounts: args.Length > 1 ? [.. args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [10, 50, 150],
                    duration: TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("LIST_LIVE_SECONDS"), out var s) ? s : 20));
                return 0;
            case "write-path":
                await WritePath.RunAsync(duration: TimeSpan.FromSeconds(Arg(1, 5)), rounds: Arg(2, 3));
                return 0;
            case "field-presence":
                await FieldPresenceLatency.RunAsync(moves: Arg(1, 200));
                return 0;
            case CircuitBrowser.ChildCommand:
                // The browser side of circuit-memory, started by it as a child process.
                await CircuitBrowser.ServeAsync(new Uri(args[1]), contextCount: Arg(2, 4));
                return 0;
            default:
                await Console.Error.WriteLineAsync($"Unknown benchmark '{args[0]}'. Known: seed-scale, list-queries, list-live, write-path, field-presence, live-latency, lease-throughput, product-saves, order-saves, circuit-memory, sign-in-timing");
                return 1;
        }
    }

    /// <summary>
    /// Seeds the scale set into the given database (migrated first), or — without one — into a
    /// throwaway cluster's migrated database, which shows how long it takes and is then deleted.
    /// </summary>
    private static async Task SeedScaleAsync(int products, int orders, string? connectionString)
    {
        Console.WriteLine($"seed-scale: {products:N0} products, {orders:N0} orders with 1-20 lines, 10,000 versions of one product (COPY, binary)");
        if (connectionString is not null)
        {
            await using var provider = SaveComparison.DataLayer(connectionString);
            await provider.MigrateCollabDatabaseAsync();
            await ScaleData.SeedAsync(connectionString, products, orders, historyVersions: 10_000);
            await CheckAppInsertsAsync(provider);
            return;
        }

        await using var cluster = await LocalPostgresCluster.StartThrowawayAsync();
        await using var throwaway = SaveComparison.DataLayer(await cluster.EnsureDatabaseAsync("bench"));
        await throwaway.MigrateCollabDatabaseAsync();
        await ScaleData.SeedAsync(await cluster.EnsureDatabaseAsync("bench"), products, orders, historyVersions: 10_000);
        await CheckAppInsertsAsync(throwaway);
    }

    /// <summary>The app's own inserts after a seed: the identities and the order number sequence were advanced past the seeded rows.</summary>
    private static async Task CheckAppInsertsAsync(IServiceProvider provider)
    {
        var actor = new Actor("seed-scale", "Seed check");
        var product = await provider.GetRequiredService<ProductStore>().CreateAsync(new ProductValues($"SEED-CHECK-{Guid.NewGuid():N}"[..24], "Seed check", "Created after the seed.", 1m, 0, false), actor);
        var order = await provider.GetRequiredService<OrderStore>().CreateAsync(new OrderHeader("Seed check", OrderStatus.Draft, string.Empty), actor);
        Console.WriteLine($"  the app's own inserts afterwards: product {product.GetType().Name} {(product as SaveResult.Saved)?.Current.Id}, order {order.GetType().Name} {(order as OrderSaveResult.Saved)?.Current.Number}");
    }
}

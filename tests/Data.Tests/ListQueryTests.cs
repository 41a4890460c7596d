using CollabEditor.Core.Orders;
using CollabEditor.Data.Lists;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.Data.Tests;

/// <summary>The list queries of issue 14: literal search through the trigram indexes, exact totals up to the cap.</summary>
public sealed class ListQueryTests : DataTest
{
    private OrderStore Orders => Services.GetRequiredService<OrderStore>();

    private async Task SeedAsync()
    {
        foreach (var (sku, name) in new[] { ("PCT-1", "50% off"), ("UND-1", "a_b"), ("UND-2", "ab"), ("BSL-1", @"back\slash"), ("SKU-10", "Ten"), ("SKU-1", "One"), ("SKU-100", "Hundred") })
        {
            await CreateAsync(new(sku, name, "", 1m, 1, false));
        }

        foreach (var customer in new[] { "100% Cotton", "snake_case Ltd", "snakeXcase Ltd" })
        {
            Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader(customer, OrderStatus.Draft, ""), Alice));
        }
    }

    [Theory]
    [InlineData("%", new[] { "PCT-1" })]
    [InlineData("_", new[] { "UND-1" })]
    [InlineData("a_b", new[] { "UND-1" })]
    [InlineData("\\", new[] { "BSL-1" })]
    [InlineData("zz-nothing", new string[0])]
    public async Task Search_MatchesLikeWildcardsLiterally(string search, string[] skus)
    {
        await SeedAsync();
        var page = await Store.ListAsync(new ProductQuery(Search: search));
        Assert.Equal(skus, page.Items.Select(p => p.Values.Sku));
        Assert.Equal((skus.Length, false), (page.TotalCount, page.TotalIsEstimate));
    }

    [Theory]
    [InlineData("%", new[] { "100% Cotton" })]
    [InlineData("e_c", new[] { "snake_case Ltd" })]
    public async Task OrderSearch_MatchesLikeWildcardsLiterally(string search, string[] customers)
    {
        await SeedAsync();
        var page = await Orders.ListAsync(new OrderQuery(Search: search));
        Assert.Equal(customers, page.Items.Select(o => o.CustomerName));
        Assert.False(page.TotalIsEstimate);
    }

    [Fact]
    public async Task ExactSku_IsFoundFirst_AndByItsOrderNumber()
    {
        await SeedAsync();
        var page = await Store.ListAsync(new ProductQuery(Search: "SKU-1"));
        Assert.Equal(["SKU-1", "SKU-10", "SKU-100"], page.Items.Select(p => p.Values.Sku));
        var number = (await Orders.ListAsync(new OrderQuery())).Items[1].Number;
        Assert.Equal([number], (await Orders.ListAsync(new OrderQuery(Search: number))).Items.Select(o => o.Number));
    }

    [Theory]
    [InlineData("snake")]
    [InlineData("%")]
    [InlineData("SKU-1")]
    [InlineData("a")]
    public async Task Search_GivesTheSameRows_ThroughTheIndexes_AsByReadingTheTable(string search)
    {
        await SeedAsync();
        await using var indexed = Provider("-c enable_seqscan=off");
        await using var scanned = Provider("-c enable_indexscan=off -c enable_bitmapscan=off");
        var viaIndex = await indexed.GetRequiredService<ProductStore>().ListAsync(new ProductQuery(Search: search));
        var viaTable = await scanned.GetRequiredService<ProductStore>().ListAsync(new ProductQuery(Search: search));
        Assert.Equal(viaTable.Items.Select(p => p.Id), viaIndex.Items.Select(p => p.Id));
        var ordersViaIndex = await indexed.GetRequiredService<OrderStore>().ListAsync(new OrderQuery(Search: search));
        var ordersViaTable = await scanned.GetRequiredService<OrderStore>().ListAsync(new OrderQuery(Search: search));
        Assert.Equal(ordersViaTable.Items.Select(o => o.Id), ordersViaIndex.Items.Select(o => o.Id));
    }

    [Fact]
    public async Task Search_UsesTheTrigramIndexes_WhenTheTableIsLarge()
    {
        await using var db = await DbAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync("SET LOCAL enable_seqscan = off");
        var plan = string.Join('\n', await db.Database.SqlQueryRaw<string>(
            @"EXPLAIN SELECT 1 FROM products WHERE sku ILIKE '%abc%' ESCAPE '\' OR name ILIKE '%abc%' ESCAPE '\'").ToListAsync());
        Assert.Contains("ix_products_sku_trgm", plan, StringComparison.Ordinal);
        Assert.Contains("ix_products_name_trgm", plan, StringComparison.Ordinal);
    }

    private ServiceProvider Provider(string options)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddCollabData(ConnectionString + ";Options=" + options);
        return services.BuildServiceProvider();
    }
}

/// <summary>Past Lists:CountCap a list reports the planner's estimate, flagged, and still pages exactly.</summary>
public sealed class ListEstimateTests : DataTest
{
    protected override void ConfigureServices(IServiceCollection services) =>
        services.Configure<ListOptions>(o => o.CountCap = 3);

    [Fact]
    public async Task Total_OverTheCap_IsAnEstimate_AtOrUnderIt_IsExact()
    {
        for (var i = 1; i <= 6; i++)
        {
            await CreateAsync(new($"CAP-{i}", i <= 3 ? $"Few {i}" : $"Many {i}", "", i, 1, false));
        }

        var all = await Store.ListAsync(new ProductQuery(PageSize: 4));
        Assert.True(all.TotalIsEstimate);
        Assert.True(all.TotalCount >= 4, $"estimate {all.TotalCount}");
        Assert.Equal(["CAP-1", "CAP-2", "CAP-3", "CAP-4"], all.Items.Select(p => p.Values.Sku));

        var few = await Store.ListAsync(new ProductQuery(Search: "few"));
        Assert.Equal((3, false), (few.TotalCount, few.TotalIsEstimate));
        var many = await Store.ListAsync(new ProductQuery(Search: "a"));
        Assert.True(many.TotalIsEstimate);
        Assert.Equal(6, many.Items.Count);

        var orders = Services.GetRequiredService<OrderStore>();
        for (var i = 0; i < 4; i++)
        {
            await orders.CreateAsync(new OrderHeader($"Customer {i}", OrderStatus.Draft, ""), Alice);
        }

        var orderPage = await orders.ListAsync(new OrderQuery());
        Assert.Equal((true, 4), (orderPage.TotalIsEstimate, orderPage.Items.Count));
    }
}

using CollabEditor.Data.Lists;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Data.Tests;

/// <summary>
/// A search over a big table: a term that matches many rows gets a sampled estimate (no exact count of
/// half the catalogue), a rare term its exact count; the page is the first matches either way.
/// </summary>
public sealed class SampledTotalTests : DataTest
{
    private const int Rows = 150_000;

    protected override void ConfigureServices(IServiceCollection services) =>
        services.Configure<ListOptions>(o => o.CountCap = 1_000);

    private async Task SeedAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        // A third are lamps; SKUs are unique; ANALYZE so the planner knows the table is big.
        await using var command = new NpgsqlCommand($"""
            INSERT INTO products (sku, name, description, price, stock, requires_checkout, version, last_changed_by, last_changed_at)
            SELECT 'S-' || lpad(n::text, 7, '0'), CASE n % 3 WHEN 0 THEN 'Desk lamp ' ELSE 'Chair ' END || n, '', n % 500, n % 50, false, 1, 'Seed', now()
              FROM generate_series(1, {Rows}) n;
            ANALYZE products;
            """, connection) { CommandTimeout = 120 };
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task AFrequentTerm_IsEstimatedBySample_ARareOne_CountedExactly()
    {
        await SeedAsync();
        var lamps = await Store.ListAsync(new ProductQuery(Search: "lamp", SortBy: "Price"));
        Assert.True(lamps.TotalIsEstimate);
        Assert.InRange(lamps.TotalCount, Rows / 3 * 0.7, Rows / 3 * 1.3);
        Assert.Equal(25, lamps.Items.Count);
        Assert.All(lamps.Items, p => Assert.Contains("lamp", p.Values.Name, StringComparison.Ordinal));
        Assert.Equal(lamps.Items.OrderBy(p => p.Values.Price).ThenBy(p => p.Id).Select(p => p.Id), lamps.Items.Select(p => p.Id));
        Assert.Equal(0m, lamps.Items[0].Values.Price);

        var rare = await Store.ListAsync(new ProductQuery(Search: "S-00012"));
        Assert.False(rare.TotalIsEstimate);
        Assert.Equal(100, rare.TotalCount); // S-0001200 … S-0001299
        Assert.Equal("S-0001200", rare.Items[0].Values.Sku);
    }
}

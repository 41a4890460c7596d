using System.Net;
using static CollabEditor.WebApp.Tests.ApiClient;

namespace CollabEditor.WebApp.Tests;

/// <summary>The lists' totals over HTTP: exact up to Lists:CountCap, an estimate flagged as such past it.</summary>
public sealed class ApiListTotalTests(AppHost host) : IClassFixture<AppHost>
{
    [Theory]
    [InlineData("/api/products")]
    [InlineData("/api/orders")]
    public async Task List_OnTheDemoSet_HasAnExactTotal(string path)
    {
        using var client = await SignedInAsync(host.BaseAddress, "alice");
        using var response = await client.GetAsync($"{path}?pageSize=200");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.JsonAsync();
        Assert.False(page.GetProperty("totalIsEstimate").GetBoolean());
        Assert.Equal(page.GetProperty("items").GetArrayLength(), page.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task List_PastTheCountCap_ReportsAnEstimate_AndAnExactSkuStaysExact()
    {
        await using var app = new AppHost(new Dictionary<string, string?> { ["Lists:CountCap"] = "10" });
        await app.InitializeAsync();
        using var client = await SignedInAsync(app.BaseAddress, "alice");

        foreach (var path in new[] { "/api/products", "/api/orders" })
        {
            using var response = await client.GetAsync(path);
            var page = await response.JsonAsync();
            Assert.True(page.GetProperty("totalIsEstimate").GetBoolean(), path);
            Assert.True(page.GetProperty("total").GetInt32() > 10, path);
            Assert.True(page.GetProperty("items").GetArrayLength() > 10, path); // the cap limits the count, never the page
        }

        using var first = await client.GetAsync("/api/products?pageSize=1");
        var sku = (await first.JsonAsync()).GetProperty("items")[0].GetProperty("sku").GetString();
        using var exact = await client.GetAsync($"/api/products?search={Uri.EscapeDataString(sku!)}");
        var found = await exact.JsonAsync();
        Assert.False(found.GetProperty("totalIsEstimate").GetBoolean());
        Assert.Equal(sku, found.GetProperty("items")[0].GetProperty("sku").GetString());
    }
}

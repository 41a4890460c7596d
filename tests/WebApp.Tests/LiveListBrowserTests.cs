using CollabEditor.Core.Users;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// A products list open in Chromium while someone else saves through the store (a real commit, NOTIFY,
/// the instance's listener): the row changes on the page without the list querying again; a change
/// of its sort key moves it.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class LiveListBrowserTests(AppHost host, BrowserFixture browser) : IClassFixture<AppHost>
{
    private static readonly Actor Bob = new("bob-id", "Bob");

    [Fact]
    public async Task RowSavedElsewhere_ChangesOnTheOpenList_WithoutAListQuery_AndASkuChangeMovesIt()
    {
        var store = host.Services.GetRequiredService<ProductStore>();
        var first = (await store.ListAsync(new ProductQuery(PageSize: 3))).Items;
        var page = await browser.SignInAsync(host.BaseAddress, "alice");
        var grid = page.Locator("[data-testid=product-grid]");
        var firstLink = grid.Locator("[data-testid=product-link]").First;
        await Assertions.Expect(firstLink).ToHaveTextAsync(first[0].Values.Sku);
        var row = grid.Locator("tr", new() { Has = page.Locator($"a[href='/products/{first[1].Id}']") });
        await Assertions.Expect(row).ToContainTextAsync(first[1].Values.Name);

        using var statements = new StatementCounter(host.ConnectionString);
        var saved = Assert.IsType<SaveResult.Saved>(await store.UpdateAsync(first[1].Id, first[1].Version, first[1].Values with { Price = 4321.5m, Name = "Changed by Bob" }, Bob)).Current;

        await Assertions.Expect(row).ToContainTextAsync("Changed by Bob");
        await Assertions.Expect(row).ToContainTextAsync("4321.50");
        Assert.True(statements.ListQueries == 0, statements.ListQueryText);
        Assert.True(statements.SharedReads >= 1);

        // The first row's SKU now sorts last: the list re-queries and another row is first.
        Assert.IsType<SaveResult.Saved>(await store.UpdateAsync(first[0].Id, first[0].Version, first[0].Values with { Sku = "ZZZ-MOVED-1" }, Bob));
        await Assertions.Expect(firstLink).ToHaveTextAsync(saved.Values.Sku);
        Assert.True(statements.ListQueries >= 2, $"{statements.ListQueries} list queries");
        await page.Context.CloseAsync();
    }
}

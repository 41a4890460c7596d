using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests;

/// <summary>Past Lists:CountCap the grids' pagers say the total is an estimate; a narrow search is counted exactly again.</summary>
[Collection(BrowserGroup.Name)]
public sealed class ListTotalBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task Pager_PastTheCountCap_SaysAbout_AndOnANarrowSearch_TheExactTotal()
    {
        await using var app = new AppHost(new Dictionary<string, string?> { ["Lists:CountCap"] = "10" });
        await app.InitializeAsync();
        var page = await browser.SignInAsync(app.BaseAddress, "alice", new() { Locale = "en-US" });

        await page.GotoAsync("/products");
        var pager = page.Locator("[data-testid=product-grid] [data-testid=pager-info]");
        await Assertions.Expect(pager).ToContainTextAsync("1-25 of about ");
        await page.Locator("input[data-testid=search], [data-testid=search] input").First.PressSequentiallyAsync("zz-no-such-product", new() { Delay = 30 });
        await Assertions.Expect(pager).Not.ToContainTextAsync("about");

        await page.GotoAsync("/orders");
        await Assertions.Expect(page.Locator("[data-testid=order-grid] [data-testid=pager-info]")).ToContainTextAsync(" of about ");
        await BrowserFixture.ShotAsync(page, "list-total-estimate-orders");
        await page.Context.CloseAsync();
    }

    /// <summary>The grid pages by cursor: next, last, previous, first, each with its position; a sort holds across pages.</summary>
    [Fact]
    public async Task Pager_MovesFirstNextPreviousLast_AndASortHoldsAcrossPages()
    {
        await using var app = new AppHost();
        await app.InitializeAsync();
        var store = app.Services.GetRequiredService<Data.Products.ProductStore>();
        var total = (await store.ListAsync(new())).TotalCount;
        var cheapest = (await store.ListAsync(new(SortBy: "Price", PageSize: 1))).Items[0].Values.Price;
        Assert.InRange(total, 51, 99);
        var page = await browser.SignInAsync(app.BaseAddress, "alice", new() { Locale = "en-US" });
        await page.GotoAsync("/products");
        var grid = page.Locator("[data-testid=product-grid]");
        var info = grid.Locator("[data-testid=pager-info]");
        await Assertions.Expect(info).ToHaveTextAsync($"1-25 of {total}");
        await Assertions.Expect(grid.Locator("[data-testid=pager-previous]")).ToBeDisabledAsync();

        // Sort by price (the column header), then walk forward: prices never go down across a page break.
        await grid.Locator("th:has-text('Price') .sortable-column-header, th:has-text('Price') .column-header").First.ClickAsync();
        await Assertions.Expect(info).ToHaveTextAsync($"1-25 of {total}");
        await Assertions.Expect(grid.Locator("tbody tr td:nth-child(3)").First).ToHaveTextAsync(cheapest.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
        var prices = new List<decimal>();
        async Task ReadPricesAsync() => prices.AddRange((await grid.Locator("tbody tr td:nth-child(3)").AllInnerTextsAsync()).Select(t => decimal.Parse(t, System.Globalization.CultureInfo.InvariantCulture)));
        await ReadPricesAsync();
        await grid.Locator("[data-testid=pager-next]").ClickAsync();
        await Assertions.Expect(info).ToHaveTextAsync($"26-50 of {total}");
        await ReadPricesAsync();
        Assert.Equal(prices.Order(), prices);

        await grid.Locator("[data-testid=pager-last]").ClickAsync();
        await Assertions.Expect(info).ToHaveTextAsync($"{total - 24}-{total} of {total}");
        await Assertions.Expect(grid.Locator("[data-testid=pager-next]")).ToBeDisabledAsync();
        await BrowserFixture.ShotAsync(page, "list-pager-last");
        await grid.Locator("[data-testid=pager-previous]").ClickAsync();
        await Assertions.Expect(info).ToHaveTextAsync($"{total - 49}-{total - 25} of {total}");
        await grid.Locator("[data-testid=pager-first]").ClickAsync();
        await Assertions.Expect(info).ToHaveTextAsync($"1-25 of {total}");
        await Assertions.Expect(grid.Locator("[data-testid=pager-first]")).ToBeDisabledAsync();
    }
}

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
        var pager = page.Locator("[data-testid=product-grid] .mud-table-pagination");
        await Assertions.Expect(pager).ToContainTextAsync("1-25 of about ");
        await page.Locator("input[data-testid=search], [data-testid=search] input").First.PressSequentiallyAsync("zz-no-such-product", new() { Delay = 30 });
        await Assertions.Expect(pager).Not.ToContainTextAsync("about");

        await page.GotoAsync("/orders");
        await Assertions.Expect(page.Locator("[data-testid=order-grid] .mud-table-pagination")).ToContainTextAsync(" of about ");
        await BrowserFixture.ShotAsync(page, "list-total-estimate-orders");
        await page.Context.CloseAsync();
    }
}

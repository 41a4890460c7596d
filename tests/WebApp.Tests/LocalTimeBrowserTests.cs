using System.Globalization;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests;

/// <summary>Two readers in two time zones and languages see the same save at their own local time (the server runs in UTC).</summary>
[Collection(BrowserGroup.Name)]
public sealed class LocalTimeBrowserTests(AppHost host, BrowserFixture browser) : IClassFixture<AppHost>
{
    private static string Expected(DateTimeOffset at, string zone, string culture) =>
        TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(zone)).ToString("g", CultureInfo.GetCultureInfo(culture));

    [Fact]
    public async Task BerlinAndNewYork_SeeTheSameSave_EachAtTheirOwnLocalTime()
    {
        var store = host.Services.GetRequiredService<ProductStore>();
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Sku", Descending: true, PageSize: 1))).Items[0];
        var berlin = await browser.SignInAsync(host.BaseAddress, "alice", new() { TimezoneId = "Europe/Berlin", Locale = "de-DE" });
        var newYork = await browser.SignInAsync(host.BaseAddress, "bob", new() { TimezoneId = "America/New_York", Locale = "en-US" });

        // Alice saves in Berlin.
        await berlin.GotoAsync($"/products/{product.Id}");
        var stock = BrowserFixture.Field(berlin, "Stock");
        await stock.FillAsync((product.Values.Stock + 1).ToString(CultureInfo.InvariantCulture));
        await berlin.ClickAsync("[data-testid=save]");
        await Assertions.Expect(berlin.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version + 1}");
        var saved = (await store.GetAsync(product.Id))!;
        Assert.Equal(product.Version + 1, saved.Version);

        var inBerlin = Expected(saved.LastChangedAt, "Europe/Berlin", "de-DE");
        var inNewYork = Expected(saved.LastChangedAt, "America/New_York", "en-US");
        Assert.NotEqual(inBerlin, inNewYork);

        await Assertions.Expect(berlin.Locator("[data-testid=version-line]")).ToContainTextAsync($"last changed by Alice on {inBerlin}");
        await newYork.GotoAsync($"/products/{product.Id}");
        await Assertions.Expect(newYork.Locator("[data-testid=version-line]")).ToContainTextAsync($"last changed by Alice on {inNewYork}");
        await BrowserFixture.ShotAsync(berlin, "local-time-editor-berlin");
        await BrowserFixture.ShotAsync(newYork, "local-time-editor-new-york");

        // The list's "Last changed" column, the same way.
        foreach (var (page, expected) in new[] { (berlin, inBerlin), (newYork, inNewYork) })
        {
            await page.GotoAsync("/products");
            await page.Locator("input[data-testid=search], [data-testid=search] input").First.PressSequentiallyAsync(product.Values.Sku, new() { Delay = 30 });
            var row = page.Locator("[data-testid=product-grid] tbody tr").Filter(new() { HasText = product.Values.Sku });
            await Assertions.Expect(row).ToHaveCountAsync(1);
            await Assertions.Expect(row).ToContainTextAsync(expected);
        }

        await BrowserFixture.ShotAsync(berlin, "local-time-list-berlin");
        await BrowserFixture.ShotAsync(newYork, "local-time-list-new-york");
        await berlin.Context.CloseAsync();
        await newYork.Context.CloseAsync();
    }
}

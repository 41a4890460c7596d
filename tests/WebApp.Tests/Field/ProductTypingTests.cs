using CollabEditor.Core.Products;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests.Field;

/// <summary>
/// The product editor typed into with real key events through a latency proxy: the box holds exactly
/// what was typed, and a save stores exactly that. (fill() sends one event for the whole string and
/// never saw keystrokes being lost.)
/// </summary>
[Collection(BrowserGroup.Name)]
[Trait("Category", "Typing")]
public sealed class ProductTypingTests(TypingRig rig, BrowserFixture browser) : IClassFixture<TypingRig>
{

    private ProductStore Store => rig.Host.Services.GetRequiredService<ProductStore>();

    private async Task<ProductSnapshot> NewProductAsync()
    {
        var sku = "TYPE-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var created = await Store.CreateAsync(new ProductValues(sku, "Start name", "Start description", 1m, 1, false), Typist.Carol);
        return Assert.IsType<SaveResult.Saved>(created).Current;
    }

    private async Task<IPage> OpenAsync(ProductSnapshot product, int roundTripMs)
    {
        var page = await browser.SignInAsync(rig.AddressFor(roundTripMs), "alice");
        await page.GotoAsync($"/products/{product.Id}");
        await Assertions.Expect(page.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version}");
        return page;
    }

    private static ILocator Field(IPage page, string name) => BrowserFixture.Field(page, name);

    private async Task<ProductSnapshot> SaveAsync(IPage page, ProductSnapshot product)
    {
        await page.ClickAsync("[data-testid=save]");
        await Assertions.Expect(page.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version + 1}");
        return (await Store.GetAsync(product.Id))!;
    }

    [Theory]
    [MemberData(nameof(Typist.Matrix), MemberType = typeof(Typist))]
    public async Task NameAndDescription_HoldEveryKeystroke(int delayMs, int roundTripMs)
    {
        var product = await NewProductAsync();
        var page = await OpenAsync(product, roundTripMs);
        try
        {
            await Typist.RetypeAsync(Field(page, "Name"), Typist.Text, delayMs);
            await Typist.RetypeAsync(Field(page, "Description"), Typist.Text + " jumps", delayMs);
            await Typist.ExpectHoldsAsync(Field(page, "Name"), Typist.Text);
            await Typist.ExpectHoldsAsync(Field(page, "Description"), Typist.Text + " jumps");

            var saved = await SaveAsync(page, product);
            Assert.Equal(Typist.Text, saved.Values.Name);
            Assert.Equal(Typist.Text + " jumps", saved.Values.Description);
            await Typist.ExpectHoldsAsync(Field(page, "Name"), Typist.Text);
            await Typist.ExpectHoldsAsync(Field(page, "Description"), Typist.Text + " jumps");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Typist.CiPointOrMatrix), MemberType = typeof(Typist))]
    public async Task SkuPriceAndStock_HoldEveryKeystroke(int delayMs, int roundTripMs)
    {
        var product = await NewProductAsync();
        var page = await OpenAsync(product, roundTripMs);
        try
        {
            var sku = "QBF-" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant() + "-12345";
            await Typist.RetypeAsync(Field(page, "Sku"), sku, delayMs);
            await Typist.RetypeAsync(Field(page, "Price"), "1234.56", delayMs);
            await Typist.RetypeAsync(Field(page, "Stock"), "98765", delayMs);
            await Typist.ExpectHoldsAsync(Field(page, "Sku"), sku);
            await Typist.ExpectHoldsAsync(Field(page, "Price"), "1234.56");
            await Typist.ExpectHoldsAsync(Field(page, "Stock"), "98765");

            var saved = await SaveAsync(page, product);
            Assert.Equal(sku, saved.Values.Sku);
            Assert.Equal(1234.56m, saved.Values.Price);
            Assert.Equal(98765, saved.Values.Stock);
            await Typist.ExpectHoldsAsync(Field(page, "Sku"), sku);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Typist.CiPointOrMatrix), MemberType = typeof(Typist))]
    public async Task LiveUpdateMidWord_KeepsTheTypedTextAndUntouchedFieldsPickUpTheNewValues(int delayMs, int roundTripMs)
    {
        var product = await NewProductAsync();
        var page = await OpenAsync(product, roundTripMs);
        try
        {
            var name = Field(page, "Name");
            await Typist.RetypeAsync(name, "Quick bro", delayMs);

            // Carol saves the same product (price and stock) while Alice is in the middle of a word.
            var theirs = product.Values with { Price = 77.70m, Stock = 42 };
            Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(product.Id, product.Version, theirs, Typist.Carol));
            await page.Keyboard.TypeAsync("wn fox 12345", new() { Delay = delayMs });
            await Assertions.Expect(page.Locator("[data-testid=remote-banner]")).ToContainTextAsync($"Carol saved version {product.Version + 1}");

            await Typist.ExpectHoldsAsync(name, Typist.Text);
            await Typist.ExpectHoldsAsync(Field(page, "Price"), "77.70");
            await Typist.ExpectHoldsAsync(Field(page, "Stock"), "42");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Typist.CiPointOrMatrix), MemberType = typeof(Typist))]
    public async Task LiveUpdate_OfTheFieldWithTheCursorInIt_Untyped_ShowsTheNewValue(int delayMs, int roundTripMs)
    {
        var product = await NewProductAsync();
        var page = await OpenAsync(product, roundTripMs);
        try
        {
            // Alice's cursor is in Price (she clicked and pressed an arrow key, typed nothing); she types in Name.
            await Field(page, "Price").ClickAsync();
            await page.Keyboard.PressAsync("End");
            Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(product.Id, product.Version, product.Values with { Price = 77.70m }, Typist.Carol));
            await Assertions.Expect(page.Locator("[data-testid=remote-banner]")).ToContainTextAsync($"Carol saved version {product.Version + 1}");

            // The box shows what the form now holds, not the old text: she sees Carol's price before she types.
            await Typist.ExpectHoldsAsync(Field(page, "Price"), "77.70");
            await page.Keyboard.TypeAsync("1", new() { Delay = delayMs });
            await Typist.ExpectHoldsAsync(Field(page, "Price"), "77.701");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Typist.CiPointOrMatrix), MemberType = typeof(Typist))]
    public async Task ClickingTheNextBoxWithinARoundTrip_KeepsTheFocusAndTheTypingThere(int delayMs, int roundTripMs)
    {
        var product = await NewProductAsync();
        var page = await OpenAsync(product, roundTripMs);
        try
        {
            // A click on Name, and straight on to Description: MudBlazor's answer to the first click
            // (focus Name) arrives a round trip later and must not pull the focus, or the typing, back.
            await Field(page, "Name").ClickAsync();
            await Typist.RetypeAsync(Field(page, "Description"), Typist.Text, delayMs);
            await Assertions.Expect(Field(page, "Description")).ToBeFocusedAsync();
            await Typist.ExpectHoldsAsync(Field(page, "Description"), Typist.Text);
            await Typist.ExpectHoldsAsync(Field(page, "Name"), "Start name");

            var saved = await SaveAsync(page, product);
            Assert.Equal(Typist.Text, saved.Values.Description);
            Assert.Equal("Start name", saved.Values.Name);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}

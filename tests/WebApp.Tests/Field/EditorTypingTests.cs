using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests.Field;

/// <summary>
/// Every other text and number input, typed into key by key through a latency proxy: the order
/// editor (new-order form, header, each line's quantity and price), the conflict dialog's "another
/// value" boxes, the force-release reason and the list search boxes. In CI: 80 ms between keys
/// through a 200 ms round trip; the whole matrix with COLLAB_TYPING=full.
/// </summary>
[Collection(BrowserGroup.Name)]
[Trait("Category", "Typing")]
public sealed class EditorTypingTests(TypingRig rig, BrowserFixture browser) : IClassFixture<TypingRig>
{

    private ProductStore Products => rig.Host.Services.GetRequiredService<ProductStore>();

    private OrderStore Orders => rig.Host.Services.GetRequiredService<OrderStore>();

    private static ILocator Field(IPage page, string name) => BrowserFixture.Field(page, name);

    private static ILocator Box(IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input, [data-testid={testId}] textarea").First;

    private static string NewSku(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    private async Task<ProductSnapshot> NewProductAsync(string sku) =>
        Assert.IsType<SaveResult.Saved>(await Products.CreateAsync(new ProductValues(sku, "Typing product", "Start description", 10m, 5, false), Typist.Carol)).Current;

    private async Task<IPage> SignInAsync(int roundTripMs, string user = "alice") => await browser.SignInAsync(rig.AddressFor(roundTripMs), user);

    [Theory]
    [MemberData(nameof(Typist.CiPointOrMatrix), MemberType = typeof(Typist))]
    public async Task NewOrderForm_CustomerAndNotes_HoldEveryKeystroke(int delayMs, int roundTripMs)
    {
        var page = await SignInAsync(roundTripMs);
        try
        {
            await page.GotoAsync("/orders/new");
            var customer = Typist.Text + " " + Guid.NewGuid().ToString("N")[..6];
            await Typist.RetypeAsync(Field(page, "CustomerName"), customer, delayMs);
            await Typist.RetypeAsync(Field(page, "Notes"), Typist.Text + " notes", delayMs);
            await Typist.ExpectHoldsAsync(Field(page, "CustomerName"), customer);
            await Typist.ExpectHoldsAsync(Field(page, "Notes"), Typist.Text + " notes");

            await page.ClickAsync("[data-testid=create-order]");
            await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/orders/[0-9]+$"));
            var id = int.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            var saved = (await Orders.GetAsync(id))!;
            Assert.Equal(customer, saved.Values.Header.CustomerName);
            Assert.Equal(Typist.Text + " notes", saved.Values.Header.Notes);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Typist.CiPointOrMatrix), MemberType = typeof(Typist))]
    public async Task OrderEditor_HeaderAndEveryLinesQuantityAndPrice_HoldEveryKeystroke(int delayMs, int roundTripMs)
    {
        var desk = await NewProductAsync(NewSku("DESK"));
        var lamp = await NewProductAsync(NewSku("LAMP"));
        var created = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("Start customer", OrderStatus.Draft, ""), Typist.Carol)).Current;
        var withLines = created.Values
            .AddLine(desk.Id, desk.Values.Sku, desk.Values.Name, 1, desk.Values.Price)
            .AddLine(lamp.Id, lamp.Values.Sku, lamp.Values.Name, 2, lamp.Values.Price);
        var order = Assert.IsType<OrderSaveResult.Saved>(await Orders.SaveAsync(created.Id, created.Version, withLines, Typist.Carol)).Current;

        var page = await SignInAsync(roundTripMs);
        try
        {
            await page.GotoAsync($"/orders/{order.Id}");
            await Assertions.Expect(page.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {order.Version}");
            await Typist.RetypeAsync(Field(page, "CustomerName"), Typist.Text, delayMs);
            await Typist.RetypeAsync(Field(page, "Notes"), Typist.Text + " notes", delayMs);
            await Typist.RetypeAsync(Box(page, $"qty-{desk.Values.Sku}"), "12345", delayMs);
            await Typist.RetypeAsync(Box(page, $"price-{desk.Values.Sku}"), "1234.56", delayMs);
            await Typist.RetypeAsync(Box(page, $"qty-{lamp.Values.Sku}"), "908", delayMs);
            await Typist.RetypeAsync(Box(page, $"price-{lamp.Values.Sku}"), "77.05", delayMs);

            await Typist.ExpectHoldsAsync(Field(page, "CustomerName"), Typist.Text);
            await Typist.ExpectHoldsAsync(Field(page, "Notes"), Typist.Text + " notes");
            await Typist.ExpectHoldsAsync(Box(page, $"qty-{desk.Values.Sku}"), "12345");
            await Typist.ExpectHoldsAsync(Box(page, $"price-{desk.Values.Sku}"), "1234.56");
            await Typist.ExpectHoldsAsync(Box(page, $"qty-{lamp.Values.Sku}"), "908");
            await Typist.ExpectHoldsAsync(Box(page, $"price-{lamp.Values.Sku}"), "77.05");

            await page.ClickAsync("[data-testid=save]");
            await Assertions.Expect(page.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {order.Version + 1}");
            var saved = (await Orders.GetAsync(order.Id))!;
            Assert.Equal(Typist.Text, saved.Values.Header.CustomerName);
            Assert.Equal(Typist.Text + " notes", saved.Values.Header.Notes);
            var savedDesk = saved.Values.Lines.Single(l => l.Sku == desk.Values.Sku);
            var savedLamp = saved.Values.Lines.Single(l => l.Sku == lamp.Values.Sku);
            Assert.Equal((12345, 1234.56m), (savedDesk.Quantity, savedDesk.UnitPrice));
            Assert.Equal((908, 77.05m), (savedLamp.Quantity, savedLamp.UnitPrice));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Typist.CiPointOrMatrix), MemberType = typeof(Typist))]
    public async Task OrderEditor_LiveUpdateMidWord_KeepsTheTypedText(int delayMs, int roundTripMs)
    {
        var created = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("Start customer", OrderStatus.Draft, ""), Typist.Carol)).Current;
        var page = await SignInAsync(roundTripMs);
        try
        {
            await page.GotoAsync($"/orders/{created.Id}");
            await Assertions.Expect(page.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {created.Version}");
            await Typist.RetypeAsync(Field(page, "CustomerName"), "Quick bro", delayMs);

            // Carol saves the same order's notes while Alice is in the middle of a word.
            Assert.IsType<OrderSaveResult.Saved>(await Orders.SaveAsync(created.Id, created.Version, created.Values with { Header = created.Values.Header with { Notes = "Carol's notes" } }, Typist.Carol));
            await page.Keyboard.TypeAsync("wn fox 12345", new() { Delay = delayMs });
            await Assertions.Expect(page.Locator("[data-testid=remote-banner]")).ToContainTextAsync($"Carol saved version {created.Version + 1}");
            await Typist.ExpectHoldsAsync(Field(page, "CustomerName"), Typist.Text);

            // Saving merges cleanly (her customer, Carol's notes) and, after she has seen it, stores both.
            await page.ClickAsync("[data-testid=save]");
            await Assertions.Expect(page.Locator("[data-testid=merge-banner]")).ToBeVisibleAsync();
            await Typist.ExpectHoldsAsync(Field(page, "CustomerName"), Typist.Text);
            await page.ClickAsync("[data-testid=save]");
            await Assertions.Expect(page.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {created.Version + 2}");
            var saved = (await Orders.GetAsync(created.Id))!;
            Assert.Equal((Typist.Text, "Carol's notes"), (saved.Values.Header.CustomerName, saved.Values.Header.Notes));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Typist.CiPointOrMatrix), MemberType = typeof(Typist))]
    public async Task ConflictDialog_AnotherValueBoxes_HoldEveryKeystroke_AndSaveMergedStoresThem(int delayMs, int roundTripMs)
    {
        var product = await NewProductAsync(NewSku("CONF"));
        var page = await SignInAsync(roundTripMs);
        try
        {
            await page.GotoAsync($"/products/{product.Id}");
            await Assertions.Expect(page.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version}");
            await Typist.RetypeAsync(Field(page, "Price"), "11.11", delayMs);
            await Typist.RetypeAsync(Field(page, "Description"), "Alice's description", delayMs);
            await Typist.ExpectHoldsAsync(Field(page, "Description"), "Alice's description");

            // Carol saves other values for both fields: two real conflicts.
            Assert.IsType<SaveResult.Saved>(await Products.UpdateAsync(product.Id, product.Version, product.Values with { Price = 22.22m, Description = "Carol's description" }, Typist.Carol));
            await Assertions.Expect(page.Locator("[data-testid=remote-banner]")).ToContainTextAsync("Carol saved");
            await page.ClickAsync("[data-testid=save]");
            await Assertions.Expect(page.Locator("[data-testid=conflict-title]")).ToContainTextAsync("Carol saved");

            await page.ClickAsync("[data-testid=choose-custom-Price]");
            await Typist.RetypeAsync(Box(page, "custom-Price"), "4321.09", delayMs);
            await page.ClickAsync("[data-testid=choose-custom-Description]");
            await Typist.RetypeAsync(Box(page, "custom-Description"), Typist.Text + " merged", delayMs);
            await Typist.ExpectHoldsAsync(Box(page, "custom-Price"), "4321.09");
            await Typist.ExpectHoldsAsync(Box(page, "custom-Description"), Typist.Text + " merged");

            await page.ClickAsync("[data-testid=save-merged]");
            await Assertions.Expect(page.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version + 2}");
            var saved = (await Products.GetAsync(product.Id))!;
            Assert.Equal(4321.09m, saved.Values.Price);
            Assert.Equal(Typist.Text + " merged", saved.Values.Description);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Typist.CiPointOrMatrix), MemberType = typeof(Typist))]
    public async Task ForceReleaseReason_HoldsEveryKeystroke_AndIsAudited(int delayMs, int roundTripMs)
    {
        var product = await NewProductAsync(NewSku("LOCK"));
        var leases = rig.Host.Services.GetRequiredService<LeaseStore>();
        var key = ResourceKey.ForProduct(product.Id);
        Assert.IsType<AcquireResult.Granted>(await leases.AcquireAsync(key, Typist.Carol, "carol-tab"));

        var page = await SignInAsync(roundTripMs, "admin");
        try
        {
            await page.GotoAsync("/admin/locks");
            await page.ClickAsync($"[data-testid=force-release-product-{product.Id}]");
            var reason = "Carol is on holiday, " + Typist.Text;
            await Typist.RetypeAsync(Box(page, "reason-input"), reason, delayMs);
            // The dialog must not take the focus away from a box that is being typed into (its default
            // focus, the dialog element, arrived a round trip late and did, after "Car").
            await Assertions.Expect(Box(page, "reason-input")).ToBeFocusedAsync();
            await Typist.ExpectHoldsAsync(Box(page, "reason-input"), reason);
            await page.ClickAsync("[data-testid=reason-ok]");

            await Assertions.Expect(page.Locator($"[data-testid=force-release-product-{product.Id}]")).ToHaveCountAsync(0);
            var audit = Assert.Single(await leases.AuditAsync(key), a => a.Action == "force-released");
            Assert.Equal(reason, audit.Reason);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Typist.CiPointOrMatrix), MemberType = typeof(Typist))]
    public async Task ListSearchBoxes_HoldEveryKeystroke_AndFind(int delayMs, int roundTripMs)
    {
        var sku = NewSku("FIND");
        await NewProductAsync(sku);
        var customer = "Searchable " + Guid.NewGuid().ToString("N")[..8];
        var order = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader(customer, OrderStatus.Draft, ""), Typist.Carol)).Current;

        var page = await SignInAsync(roundTripMs, "admin");
        try
        {
            await Typist.RetypeAsync(Box(page, "search"), sku, delayMs);
            await Typist.ExpectHoldsAsync(Box(page, "search"), sku);
            await Assertions.Expect(page.Locator("[data-testid=product-link]")).ToHaveTextAsync([sku]);

            await page.GotoAsync("/orders");
            await Typist.RetypeAsync(Box(page, "order-search"), customer, delayMs);
            await Typist.ExpectHoldsAsync(Box(page, "order-search"), customer);
            await Assertions.Expect(page.Locator("[data-testid=order-link]")).ToHaveTextAsync([order.Number]);

            await page.GotoAsync("/admin/audit");
            await Typist.RetypeAsync(Box(page, "audit-filter-resource"), "product/123", delayMs);
            await Typist.RetypeAsync(Box(page, "audit-filter-user"), "Carol Smith", delayMs);
            await Typist.ExpectHoldsAsync(Box(page, "audit-filter-resource"), "product/123");
            await Typist.ExpectHoldsAsync(Box(page, "audit-filter-user"), "Carol Smith");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}

using CollabEditor.Data.Products;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// Every page and dialog passes axe-core with no serious or critical violation, and the fixes axe
/// cannot see (focus cue, an announced sign-in error) hold in a real browser.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class AccessibilityTests(AppHost host, BrowserFixture browser) : IClassFixture<AppHost>
{
    private static readonly string[] Blocking = ["serious", "critical"];

    private Task<IPage> SignInAsync(string user) => browser.SignInAsync(host.BaseAddress, user);

    /// <summary>Runs axe on the page as it is now and fails with every serious or critical violation, rule by rule.</summary>
    private static async Task AssertNoSeriousViolationsAsync(IPage page, string what)
    {
        var result = await page.RunAxe();
        var blocking = result.Violations.Where(v => Blocking.Contains(v.Impact)).ToList();
        Assert.True(blocking.Count == 0, $"axe on {what} ({page.Url}):\n" + string.Join("\n", blocking.Select(Describe)));
    }

    private static string Describe(AxeResultItem v) =>
        $"- {v.Id} ({v.Impact}): {v.Help}\n    " + string.Join("\n    ", v.Nodes.Select(n => $"{n.Target}: {string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message))}"));

    private async Task<IPage> AnonymousPageAsync()
    {
        var context = await browser.Browser.NewContextAsync(new() { BaseURL = host.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 900 } });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    private static async Task ShotAsync(IPage page, string name)
    {
        Directory.CreateDirectory("/tmp/shots-a11y");
        await page.ScreenshotAsync(new() { Path = Path.Combine("/tmp/shots-a11y", name + ".png") });
        await BrowserFixture.ShotAsync(page, "a11y-" + name);
    }

    [Fact]
    public async Task SignIn_WithAWrongPassword_AnnouncesTheErrorAndPassesAxe()
    {
        var page = await AnonymousPageAsync();
        await page.GotoAsync("/account/login");
        await AssertNoSeriousViolationsAsync(page, "sign-in");

        // A user name that does not exist: no demo account is pushed towards a lockout.
        await page.FillAsync("#username", "nobody");
        await page.FillAsync("#password", "wrong");
        await page.ClickAsync("[data-testid=sign-in]");
        var alert = page.GetByRole(AriaRole.Alert);
        await Assertions.Expect(alert).ToContainTextAsync("User name or password is wrong");
        await Assertions.Expect(page.Locator("[data-testid=login-error]")).ToHaveAttributeAsync("role", "alert");
        await ShotAsync(page, "sign-in-error");
        await AssertNoSeriousViolationsAsync(page, "sign-in with its error");
    }

    [Fact]
    public async Task Buttons_FocusedFromTheKeyboard_ShowAClearOutline()
    {
        var page = await SignInAsync("alice");
        var button = page.Locator("[data-testid=new-product]");
        await Assertions.Expect(button).ToBeVisibleAsync();
        // Keyboard focus (what :focus-visible is for): focus the search box, then Tab on to the button next to it.
        await page.Locator("[data-testid=search] input, input[data-testid=search]").First.FocusAsync();
        while (!await button.EvaluateAsync<bool>("b => b === document.activeElement"))
        {
            await page.Keyboard.PressAsync("Tab");
        }

        var outline = await button.EvaluateAsync<string[]>("b => { const s = getComputedStyle(b); return [s.outlineStyle, s.outlineWidth, s.outlineColor, String(b.matches(':focus-visible'))]; }");
        await ShotAsync(page, "focused-button");
        Assert.Equal("true", outline[3]);
        Assert.NotEqual("none", outline[0]);
        Assert.True(double.Parse(outline[1].Replace("px", string.Empty, StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) >= 2, $"outline width {outline[1]}");
    }

    [Fact]
    public async Task ProductsAndOrdersLists_HaveLabelledSearchBoxes_AndPassAxe()
    {
        var page = await SignInAsync("alice");
        await Assertions.Expect(page.Locator("[data-testid=product-grid] tbody tr").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Search products", new() { Exact = true })).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, "products");

        await page.GotoAsync("/orders");
        await Assertions.Expect(page.Locator("[data-testid=order-grid] tbody tr").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Search orders", new() { Exact = true })).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, "orders");
    }

    [Fact]
    public async Task CustomersList_HasALabelledSearchBox_AndPassesAxe()
    {
        var page = await SignInAsync("alice");
        await page.GotoAsync("/customers");
        await Assertions.Expect(page.Locator("[data-testid=customer-grid] tbody tr").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Search customers", new() { Exact = true })).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, "customers");
    }

    [Fact]
    public async Task CustomerEditor_PassesAxe()
    {
        var customer = (await host.Services.GetRequiredService<Data.Customers.CustomerStore>().ListAsync(new Data.Customers.CustomerQuery(PageSize: 1))).Items[0];
        var page = await SignInAsync("alice");
        await page.GotoAsync($"/customers/{customer.Id}");
        await Assertions.Expect(BrowserFixture.Field(page, "Name")).ToHaveValueAsync(customer.Values.Name);
        await AssertNoSeriousViolationsAsync(page, "customer editor");
    }

    [Fact]
    public async Task ProductEditorAndItsHistoryPanel_PassAxe()
    {
        var store = host.Services.GetRequiredService<ProductStore>();
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Sku", PageSize: 7))).Items[6];
        var page = await SignInAsync("alice");
        await page.GotoAsync($"/products/{product.Id}");
        await Assertions.Expect(BrowserFixture.Field(page, "Name")).ToHaveValueAsync(product.Values.Name);
        await AssertNoSeriousViolationsAsync(page, "product editor");

        await page.GetByText("History").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=history]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"[data-testid=history-entry-{product.Version}]")).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, "product history panel");
    }

    [Fact]
    public async Task OrderEditor_LabelsEveryLineInput_AndPassesAxe()
    {
        var orders = host.Services.GetRequiredService<Data.Orders.OrderStore>();
        var summary = (await orders.ListAsync(new Data.Orders.OrderQuery(PageSize: 50))).Items
            .Last(o => o.Status == Core.Orders.OrderStatus.Draft && o.LineCount >= 2);
        var order = (await orders.GetAsync(summary.Id))!;
        var line = order.Values.Lines[0];
        var page = await SignInAsync("alice");
        await page.GotoAsync($"/orders/{order.Id}");
        await Assertions.Expect(page.Locator($"input[data-testid=qty-{line.Sku}]")).ToBeVisibleAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Spinbutton, new() { Name = $"Quantity of {line.Sku}", Exact = true })).ToHaveAttributeAsync("data-testid", $"qty-{line.Sku}");
        await Assertions.Expect(page.GetByRole(AriaRole.Spinbutton, new() { Name = $"Unit price of {line.Sku}", Exact = true })).ToHaveAttributeAsync("data-testid", $"price-{line.Sku}");
        await AssertNoSeriousViolationsAsync(page, "order editor");
    }

    [Fact]
    public async Task LocksAndAudit_PassAxe()
    {
        var page = await SignInAsync("admin");
        await page.GotoAsync("/admin/locks");
        await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, "locks");

        await page.GotoAsync("/admin/audit");
        await Assertions.Expect(page.Locator("[data-testid=audit-grid]")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Resource", new() { Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("User", new() { Exact = true })).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, "audit");
    }

    [Fact]
    public async Task ProductConflictDialog_PassesAxe()
    {
        var store = host.Services.GetRequiredService<ProductStore>();
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Sku", PageSize: 2))).Items[1];
        var alice = await SignInAsync("alice");
        var bob = await SignInAsync("bob");
        await alice.GotoAsync($"/products/{product.Id}");
        await bob.GotoAsync($"/products/{product.Id}");
        await Assertions.Expect(BrowserFixture.Field(alice, "Price")).ToBeEditableAsync();
        await Assertions.Expect(BrowserFixture.Field(bob, "Price")).ToBeEditableAsync();

        // Bob changes the price; Alice saves another price through the API (a program: no presence, so
        // no soft lock on Bob's field): Bob's save is a real conflict, the dialog opens.
        await BrowserFixture.Field(bob, "Price").FillAsync("22.22");
        Assert.IsType<SaveResult.Saved>(await store.UpdateAsync(product.Id, product.Version, product.Values with { Price = 11.11m }, new("alice-id", "Alice")));
        await Assertions.Expect(bob.Locator("[data-testid=remote-banner]")).ToContainTextAsync($"Alice saved version {product.Version + 1}");
        await bob.ClickAsync("[data-testid=save]");
        await Assertions.Expect(bob.Locator("[data-testid=conflict-title]")).ToContainTextAsync($"Alice saved version {product.Version + 1}");
        await Assertions.Expect(bob.Locator("[data-testid=choose-mine-Price]")).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(bob, "product conflict dialog");
    }

    [Fact]
    public async Task OrderConflictDialog_PassesAxe()
    {
        var orders = host.Services.GetRequiredService<Data.Orders.OrderStore>();
        var summary = (await orders.ListAsync(new Data.Orders.OrderQuery(PageSize: 50))).Items
            .First(o => o.Status == Core.Orders.OrderStatus.Draft && o.LineCount >= 2);
        var order = (await orders.GetAsync(summary.Id))!;
        var line = order.Values.Lines[0];
        var alice = await SignInAsync("alice");
        await alice.GotoAsync($"/orders/{order.Id}");
        var quantity = alice.Locator($"input[data-testid=qty-{line.Sku}]");
        await Assertions.Expect(quantity).ToHaveValueAsync(line.Quantity.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // Alice has an unsaved quantity; Bob saves another quantity of the same line from elsewhere.
        await quantity.FillAsync("31");
        var bobs = order.Values.WithLine(line with { Quantity = 32 });
        Assert.IsType<Data.Orders.OrderSaveResult.Saved>(await orders.SaveAsync(order.Id, order.Version, bobs, new Core.Users.Actor("bob-a11y", "Bob")));
        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=conflict-title]")).ToContainTextAsync($"Bob saved version {order.Version + 1}");
        await Assertions.Expect(alice.Locator($".mud-dialog tr.merge-conflict[data-line={line.Sku}]")).ToHaveCountAsync(1);
        await AssertNoSeriousViolationsAsync(alice, "order conflict dialog");
    }
}

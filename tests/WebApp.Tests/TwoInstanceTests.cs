using CollabEditor.Data.Products;
using CollabEditor.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests;

/// <summary>Two app instances on one database, as behind a load balancer (DESIGN.md "Scale-out").</summary>
public sealed class TwoInstances : IAsyncLifetime
{
    public AppHost A { get; private set; } = default!;

    public AppHost B { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        var database = await TestPostgres.CreateDatabaseAsync("two");
        A = new AppHost(database);
        B = new AppHost(database);
        // Started together: migrations and seeding must cope with a concurrent start.
        await Task.WhenAll(Task.Run(A.InitializeAsync), Task.Run(B.InitializeAsync));
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}

[Collection(BrowserGroup.Name)]
public sealed class TwoInstanceTests(TwoInstances apps, BrowserFixture browser) : IClassFixture<TwoInstances>
{
    [Fact]
    public async Task ASaveOnInstanceA_UpdatesAPageOnInstanceB_WithinASecond_AndPresenceCrossesInstances()
    {
        Assert.NotEqual(apps.A.BaseAddress, apps.B.BaseAddress);
        var store = apps.A.Services.GetRequiredService<ProductStore>();
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Price", PageSize: 1))).Items[0];

        var alice = await browser.SignInAsync(apps.A.BaseAddress, "alice");
        var bob = await browser.SignInAsync(apps.B.BaseAddress, "bob");
        await alice.GotoAsync($"/products/{product.Id}");
        await bob.GotoAsync($"/products/{product.Id}");

        await Assertions.Expect(alice.Locator("[data-testid=presence]")).ToContainTextAsync("Bob");
        await Assertions.Expect(bob.Locator("[data-testid=presence]")).ToContainTextAsync("Alice");

        await BrowserFixture.Field(alice, "Stock").FillAsync("4242");
        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version + 1}");
        var saved = System.Diagnostics.Stopwatch.StartNew();

        await Assertions.Expect(bob.Locator("[data-testid=remote-banner]"))
            .ToContainTextAsync($"Alice saved version {product.Version + 1} (changed: Stock)", new() { Timeout = 1000 });
        await Assertions.Expect(BrowserFixture.Field(bob, "Stock")).ToHaveValueAsync("4242", new() { Timeout = 1000 });
        Assert.True(saved.ElapsedMilliseconds < 1000, $"instance B showed the save after {saved.ElapsedMilliseconds} ms");
        await BrowserFixture.ShotAsync(bob, "instance-b-banner");

        // Alice closes her tab on A: Bob on B stops seeing her within a few seconds.
        await alice.Context.CloseAsync();
        await Assertions.Expect(bob.Locator("[data-testid=presence]")).ToHaveCountAsync(0, new() { Timeout = 8000 });
    }

    /// <summary>
    /// Field-level presence and soft field locks across instances (issue 15): Alice on A focuses Price and
    /// Bob on B sees "Alice" on his Price within a second; once she types there, his Price turns
    /// read-only with "Alice is changing this", and after her save it is editable again with her value.
    /// </summary>
    [Fact]
    public async Task AliceInPriceOnA_ShowsOnBobsPriceOnB_ThenSoftLocksItWhileSheTypes_UntilHerSave()
    {
        var store = apps.A.Services.GetRequiredService<ProductStore>();
        // One without "requires check-out": Alice's page would check it out and Bob's whole form be read-only.
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Sku", Descending: true, PageSize: 50))).Items.First(p => !p.Values.RequiresCheckout);
        var alice = await browser.SignInAsync(apps.A.BaseAddress, "alice");
        var bob = await browser.SignInAsync(apps.B.BaseAddress, "bob");
        await alice.GotoAsync($"/products/{product.Id}");
        await bob.GotoAsync($"/products/{product.Id}");
        await Assertions.Expect(bob.Locator("[data-testid=presence]")).ToContainTextAsync("Alice");

        await BrowserFixture.Field(alice, "Price").FocusAsync();
        var focused = System.Diagnostics.Stopwatch.StartNew();
        await Assertions.Expect(bob.Locator("[data-testid=presence-Price]")).ToContainTextAsync("Alice", new() { Timeout = 1000 });
        Assert.True(focused.ElapsedMilliseconds < 1000, $"Bob saw Alice in Price after {focused.ElapsedMilliseconds} ms");
        // Only Price: nobody is in Stock.
        await Assertions.Expect(bob.Locator("[data-testid=presence-Stock]")).ToHaveCountAsync(0);
        await Assertions.Expect(BrowserFixture.Field(bob, "Price")).ToBeEditableAsync();

        // She types (real key events): his Price turns read-only and says who is changing it; Stock stays his.
        await BrowserFixture.Field(alice, "Price").PressAsync("Control+A");
        await alice.Keyboard.TypeAsync("12.5", new() { Delay = 80 });
        await Assertions.Expect(bob.Locator("[data-testid=field-lock-Price]")).ToHaveTextAsync("Alice is changing this", new() { Timeout = 2000 });
        await Assertions.Expect(BrowserFixture.Field(bob, "Price")).Not.ToBeEditableAsync();
        await Assertions.Expect(BrowserFixture.Field(bob, "Stock")).ToBeEditableAsync();
        await BrowserFixture.ShotAsync(bob, "field-lock");

        // Her page is not locked by her own typing.
        await Assertions.Expect(BrowserFixture.Field(alice, "Price")).ToBeEditableAsync();
        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version + 1}");

        await Assertions.Expect(bob.Locator("[data-testid=field-lock-Price]")).ToHaveCountAsync(0, new() { Timeout = 2000 });
        await Assertions.Expect(BrowserFixture.Field(bob, "Price")).ToBeEditableAsync();
        await Assertions.Expect(BrowserFixture.Field(bob, "Price")).ToHaveValueAsync("12.50");

        // She leaves the page: her chip goes within a second.
        await alice.Context.CloseAsync();
        await Assertions.Expect(bob.Locator("[data-testid=presence-Price]")).ToHaveCountAsync(0, new() { Timeout = 1500 });
    }

    private static ILocator Quantity(IPage page, string sku) => page.Locator($"input[data-testid=qty-{sku}], [data-testid=qty-{sku}] input").First;

    /// <summary>An order line is one presence field: Alice in a line's quantity on A shows on that line's row for Bob on B.</summary>
    [Fact]
    public async Task AliceInAnOrderLineOnA_ShowsOnThatLineForBobOnB_AndLocksItWhileSheTypes()
    {
        var orders = apps.A.Services.GetRequiredService<Data.Orders.OrderStore>();
        var summary = (await orders.ListAsync(new Data.Orders.OrderQuery(PageSize: 100))).Items.First(o => o.Status == Core.Orders.OrderStatus.Draft && o.LineCount >= 2);
        var order = (await orders.GetAsync(summary.Id))!;
        var (first, second) = (order.Values.Lines[0], order.Values.Lines[1]);
        var alice = await browser.SignInAsync(apps.A.BaseAddress, "alice");
        var bob = await browser.SignInAsync(apps.B.BaseAddress, "bob");
        await alice.GotoAsync($"/orders/{order.Id}");
        await bob.GotoAsync($"/orders/{order.Id}");
        await Assertions.Expect(bob.Locator("[data-testid=presence]")).ToContainTextAsync("Alice");

        await Quantity(alice, first.Sku).FocusAsync();
        await Assertions.Expect(bob.Locator($"[data-testid=presence-line-{first.LineId}]")).ToContainTextAsync("Alice", new() { Timeout = 1000 });
        await Assertions.Expect(bob.Locator($"[data-testid=presence-line-{second.LineId}]")).ToHaveCountAsync(0);

        await Quantity(alice, first.Sku).PressAsync("Control+A");
        await alice.Keyboard.TypeAsync("7", new() { Delay = 80 });
        await Assertions.Expect(bob.Locator($"[data-testid=field-lock-line-{first.LineId}]")).ToHaveTextAsync("Alice is changing this");
        await Assertions.Expect(Quantity(bob, first.Sku)).Not.ToBeEditableAsync();
        await Assertions.Expect(Quantity(bob, second.Sku)).ToBeEditableAsync();
        await BrowserFixture.ShotAsync(bob, "order-line-lock");
    }
}

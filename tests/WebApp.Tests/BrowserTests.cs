using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// The app with soft field locks off (<c>Editing:FieldLocks=false</c>, a deployment choice). With them on
/// (the default), two people end up changing the same field only when both start within the presence
/// delay; these tests are about what the merge and the conflict dialog do then, so they turn the locks
/// off rather than race two browsers. The locks themselves: TwoInstanceTests, PagePresenceTwoInstanceTests.
/// </summary>
public sealed class NoFieldLocksApp : IAsyncLifetime
{
    public AppHost Host { get; } = new(new Dictionary<string, string?> { ["Editing:FieldLocks"] = "false" });

    public Task InitializeAsync() => Host.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)Host).DisposeAsync();
}

/// <summary>Two people in two browser contexts against the real app on a real port.</summary>
[Collection(BrowserGroup.Name)]
public sealed class BrowserTests(NoFieldLocksApp app, BrowserFixture browser) : IClassFixture<NoFieldLocksApp>
{
    private readonly AppHost host = app.Host;

    private Task<IPage> SignInAsync(string user) => browser.SignInAsync(host.BaseAddress, user);

    private static ILocator Field(IPage page, string name) => BrowserFixture.Field(page, name);

    [Fact]
    public async Task TwoUsersEditTheSameProduct_SecondSaveMergesWithMineForTheConflict()
    {
        var store = host.Services.GetRequiredService<ProductStore>();
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Sku", PageSize: 1))).Items[0];

        var alice = await SignInAsync("alice");
        var bob = await SignInAsync("bob");
        await Assertions.Expect(alice.Locator("[data-testid=product-grid]")).ToContainTextAsync(product.Values.Sku);
        await alice.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "products-list.png") });

        await alice.GotoAsync($"/products/{product.Id}");
        await bob.GotoAsync($"/products/{product.Id}");

        // Both edit: Alice the name and price, Bob the price and stock.
        await Field(alice, "Name").FillAsync("Renamed by Alice");
        await Field(alice, "Price").FillAsync("11.11");
        await Field(bob, "Price").FillAsync("22.22");
        await Field(bob, "Stock").FillAsync("77");

        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version + 1}");

        // Bob's save is stale: the conflict dialog opens, with Alice's name merged and the price to decide.
        await bob.ClickAsync("[data-testid=save]");
        var dialog = bob.Locator("[data-testid=conflict-title]");
        await Assertions.Expect(dialog).ToContainTextAsync($"Alice saved version {product.Version + 1} while you were editing");
        await Assertions.Expect(bob.Locator("[data-testid=merged-Name]")).ToHaveTextAsync("Renamed by Alice");
        await Assertions.Expect(bob.Locator("[data-testid=merged-Stock]")).ToHaveTextAsync("77");
        await bob.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "conflict-dialog.png") });

        await bob.ClickAsync("[data-testid=choose-mine-Price]");
        await bob.ClickAsync("[data-testid=save-merged]");
        await Assertions.Expect(bob.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version + 2} · last changed by Bob");
        await bob.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "after-merge.png") });

        // Alice's page, meanwhile, heard about Bob's save without a reload.
        await Assertions.Expect(alice.Locator("[data-testid=remote-banner]")).ToContainTextAsync($"Bob saved version {product.Version + 2} (changed: Price, Stock)");
        await Assertions.Expect(Field(alice, "Stock")).ToHaveValueAsync("77");

        var saved = (await store.GetAsync(product.Id))!;
        Assert.Equal(product.Version + 2, saved.Version);
        Assert.Equal(product.Values with { Name = "Renamed by Alice", Price = 22.22m, Stock = 77 }, saved.Values);
        Assert.Equal("Bob", saved.LastChangedBy);

        // The history shows both saves, newest first, with what each changed.
        await bob.GetByText("History").ClickAsync();
        await Assertions.Expect(bob.Locator($"[data-testid=history-entry-{product.Version + 2}]")).ToContainTextAsync("Bob");
        await Assertions.Expect(bob.Locator($"[data-testid=history-entry-{product.Version + 1}]")).ToContainTextAsync("Alice");
        await bob.Locator("[data-testid=history]").ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ShotAsync(bob, "history");
    }

    [Fact]
    public async Task EditPage_ShowsValidationMessagesOnTheFields()
    {
        var store = host.Services.GetRequiredService<ProductStore>();
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Sku", Descending: true, PageSize: 1))).Items[0];
        var alice = await SignInAsync("alice");
        await alice.GotoAsync($"/products/{product.Id}");

        await Field(alice, "Price").FillAsync("-1");
        await Field(alice, "Sku").FillAsync("bad sku!");
        await alice.ClickAsync("[data-testid=save]");

        await Assertions.Expect(alice.GetByText("Price must be 0 or more.")).ToBeVisibleAsync();
        await Assertions.Expect(alice.GetByText("SKU may contain only letters, digits and dashes.")).ToBeVisibleAsync();
        await alice.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "validation.png") });
        Assert.Equal(product, await store.GetAsync(product.Id));
    }

    [Fact]
    public async Task WhenOneUserSaves_TheOthersListAndOpenEditPageUpdateWithoutReload()
    {
        var store = host.Services.GetRequiredService<ProductStore>();
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Sku", PageSize: 3))).Items[2];

        var alice = await SignInAsync("alice");
        var bob = await SignInAsync("bob");
        var bobsEdit = await bob.Context.NewPageAsync();
        await bobsEdit.GotoAsync($"/products/{product.Id}");
        await Assertions.Expect(Field(bobsEdit, "Name")).ToHaveValueAsync(product.Values.Name);
        await Assertions.Expect(bob.Locator("[data-testid=product-grid]")).ToContainTextAsync(product.Values.Name);

        await alice.GotoAsync($"/products/{product.Id}");
        await Assertions.Expect(alice.Locator("[data-testid=presence]")).ToContainTextAsync("Bob");
        await Assertions.Expect(bobsEdit.Locator("[data-testid=presence]")).ToContainTextAsync("Alice");
        await Field(alice, "Name").FillAsync("Live from Alice");
        await alice.ClickAsync("[data-testid=save]");

        await Assertions.Expect(bob.Locator("[data-testid=product-grid]")).ToContainTextAsync("Live from Alice");
        await Assertions.Expect(bobsEdit.Locator("[data-testid=remote-banner]")).ToContainTextAsync($"Alice saved version {product.Version + 1} (changed: Name)");
        await Assertions.Expect(Field(bobsEdit, "Name")).ToHaveValueAsync("Live from Alice");
        await BrowserFixture.ShotAsync(bobsEdit, "live-banner");

        // Alice leaves: Bob's page stops listing her.
        await alice.GotoAsync("/products");
        await Assertions.Expect(bobsEdit.Locator("[data-testid=presence]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task CheckOut_BobSeesItLiveAndCannotEdit_AdminForceReleases_AliceKeepsHerTyping_BobChecksOut()
    {
        var store = host.Services.GetRequiredService<ProductStore>();
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Sku", PageSize: 5))).Items[4];

        var alice = await SignInAsync("alice");
        var bob = await SignInAsync("bob");
        var admin = await SignInAsync("admin");
        await alice.GotoAsync($"/products/{product.Id}");
        await bob.GotoAsync($"/products/{product.Id}");
        await Assertions.Expect(bob.Locator("[data-testid=check-out]")).ToBeVisibleAsync();

        await alice.ClickAsync("[data-testid=check-out]");
        await Assertions.Expect(alice.Locator("[data-testid=lease-banner]")).ToContainTextAsync("Checked out by you");
        await Field(alice, "Description").FillAsync("Alice is rewriting this");

        // Bob's open page turns read-only without a reload.
        await Assertions.Expect(bob.Locator("[data-testid=lease-banner]")).ToContainTextAsync("Checked out by Alice since");
        await Assertions.Expect(Field(bob, "Name")).ToHaveAttributeAsync("readonly", string.Empty);
        await Assertions.Expect(bob.Locator("[data-testid=save]")).ToBeDisabledAsync();
        await BrowserFixture.ShotAsync(bob, "checked-out-by-alice");

        await admin.GotoAsync("/admin/locks");
        await admin.ClickAsync($"[data-testid=force-release-product-{product.Id}]");
        await admin.Locator("[data-testid=reason-input]").FillAsync("Stock count starts now");
        await BrowserFixture.ShotAsync(admin, "locks-force-release");
        await admin.ClickAsync("[data-testid=reason-ok]");

        await Assertions.Expect(alice.Locator("[data-testid=lease-notice]")).ToContainTextAsync("Admin released your check-out: Stock count starts now");
        await Assertions.Expect(Field(alice, "Description")).ToHaveValueAsync("Alice is rewriting this");
        await BrowserFixture.ShotAsync(alice, "force-released-notice");

        await Assertions.Expect(bob.Locator("[data-testid=check-out]")).ToBeVisibleAsync();
        await bob.ClickAsync("[data-testid=check-out]");
        await Assertions.Expect(bob.Locator("[data-testid=lease-banner]")).ToContainTextAsync("Checked out by you");
        await Assertions.Expect(alice.Locator("[data-testid=lease-banner]")).ToContainTextAsync("Checked out by Bob since");
    }

    [Fact]
    public async Task AliceAndBobEditDifferentLinesOfOneOrder_BobsSaveShowsTheMergeWithABanner_ThenTheSameLineOpensTheDialog()
    {
        var orders = host.Services.GetRequiredService<Data.Orders.OrderStore>();
        var summary = (await orders.ListAsync(new Data.Orders.OrderQuery(PageSize: 50))).Items
            .First(o => o.Status == Core.Orders.OrderStatus.Draft && o.LineCount >= 3);
        var order = (await orders.GetAsync(summary.Id))!;
        var (first, second) = (order.Values.Lines[0], order.Values.Lines[1]);

        var alice = await SignInAsync("alice");
        var bob = await SignInAsync("bob");
        await alice.GotoAsync($"/orders/{order.Id}");
        await bob.GotoAsync($"/orders/{order.Id}");

        await alice.Locator($"input[data-testid=qty-{first.Sku}]").FillAsync("41");
        await bob.Locator($"input[data-testid=qty-{second.Sku}]").FillAsync("42");
        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {order.Version + 1}");

        // Bob hears about it, keeps his typing, and his save goes through the aggregate merge.
        await Assertions.Expect(bob.Locator("[data-testid=remote-banner]")).ToContainTextAsync($"Alice saved version {order.Version + 1}");
        // Nothing to decide: no dialog, the merge on the page with one banner, saved by Bob's next Save.
        await bob.ClickAsync("[data-testid=save]");
        await Assertions.Expect(bob.Locator("[data-testid=merge-banner]")).ToContainTextAsync($"Merged Alice's change to {first.Sku} with yours — Save to keep both.");
        await Assertions.Expect(bob.Locator(".mud-dialog")).ToHaveCountAsync(0);
        await Assertions.Expect(bob.Locator($"input[data-testid=qty-{first.Sku}]")).ToHaveValueAsync("41");
        await BrowserFixture.ShotAsync(bob, "order-merge-banner");
        await bob.ClickAsync("[data-testid=save]");
        await Assertions.Expect(bob.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {order.Version + 2} · last changed by Bob");
        await Assertions.Expect(bob.Locator($"input[data-testid=qty-{first.Sku}]")).ToHaveValueAsync("41");
        await Assertions.Expect(bob.Locator($"input[data-testid=qty-{second.Sku}]")).ToHaveValueAsync("42");

        var saved = (await orders.GetAsync(order.Id))!;
        Assert.Equal(order.Version + 2, saved.Version);
        Assert.Equal(41, saved.Values.Lines.Single(l => l.LineId == first.LineId).Quantity);
        Assert.Equal(42, saved.Values.Lines.Single(l => l.LineId == second.LineId).Quantity);
        Assert.Equal(order.Values.Lines.Count, saved.Values.Lines.Count);

        // Both change the same quantity: a real conflict still opens the dialog, where Alice's own line change is "yours".
        await alice.ReloadAsync();
        await alice.Locator($"input[data-testid=qty-{first.Sku}]").FillAsync("43");
        await alice.Locator($"input[data-testid=qty-{second.Sku}]").FillAsync("44");
        await bob.Locator($"input[data-testid=qty-{first.Sku}]").FillAsync("45");
        await bob.ClickAsync("[data-testid=save]");
        await Assertions.Expect(bob.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {order.Version + 3}");
        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=conflict-title]")).ToContainTextAsync($"Bob saved version {order.Version + 3}");
        await Assertions.Expect(alice.Locator($".mud-dialog tr.merge-conflict[data-line={first.Sku}]")).ToHaveCountAsync(1);
        await Assertions.Expect(alice.Locator($"[data-testid=line-outcome-{second.Sku}]")).ToHaveTextAsync("yours");
        await BrowserFixture.ShotAsync(alice, "order-conflict-dialog");
        await alice.ClickAsync($"[data-testid=choose-mine-{first.Sku}-Quantity]");
        await alice.ClickAsync("[data-testid=save-merged]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {order.Version + 4} · last changed by Alice");
    }

    [Fact]
    public async Task BothChangeALongDescription_TheDialogShowsEachSideOnceMarked_KeepsSkusOnOneLine_AndAnotherValueStartsWithMine()
    {
        var store = host.Services.GetRequiredService<ProductStore>();
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Sku", PageSize: 20))).Items.Skip(6).First(p => !p.Values.RequiresCheckout);
        const string Long = "A solid oak desk with two drawers and a cable tray. Made in Denmark from certified wood; oiled, not lacquered, so scratches can be sanded out.";
        var started = Assert.IsType<SaveResult.Saved>(await store.UpdateAsync(product.Id, product.Version, product.Values with { Description = Long }, new("seed", "Seed"))).Current;

        var alice = await SignInAsync("alice");
        var bob = await SignInAsync("bob");
        await alice.GotoAsync($"/products/{product.Id}");
        await bob.GotoAsync($"/products/{product.Id}");
        await Field(bob, "Description").FillAsync(Long.Replace("Denmark", "Sweden", StringComparison.Ordinal));
        await Field(alice, "Description").FillAsync(Long.Replace("two drawers", "three drawers", StringComparison.Ordinal));
        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {started.Version + 1}");
        await Assertions.Expect(bob.Locator("[data-testid=remote-banner]")).ToContainTextAsync($"Alice saved version {started.Version + 1}");

        // A narrow window: the SKU must still sit on one line in every column.
        await bob.SetViewportSizeAsync(900, 900);
        await bob.ClickAsync("[data-testid=save]");
        var row = bob.Locator(".mud-dialog tr[data-field=Description]");
        await Assertions.Expect(row.Locator("td[data-col=theirs] mark")).ToHaveTextAsync("three");
        await Assertions.Expect(row.Locator("td[data-col=mine] mark")).ToHaveTextAsync("Sweden");
        foreach (var col in new[] { "base", "theirs", "mine" })
        {
            var lines = await bob.Locator($".mud-dialog tr[data-field=Sku] td[data-col={col}]").EvaluateAsync<int>(
                "e => { const r = document.createRange(); r.selectNodeContents(e); return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }");
            Assert.Equal(1, lines);
        }

        await bob.ClickAsync("[data-testid=choose-custom-Description]");
        var custom = bob.Locator("textarea[data-testid=custom-Description], [data-testid=custom-Description] textarea").First;
        await Assertions.Expect(custom).ToHaveValueAsync(Long.Replace("Denmark", "Sweden", StringComparison.Ordinal));
        await BrowserFixture.ShotAsync(bob, "product-conflict-dialog");

        // Emptied, it cannot be saved until "Save it empty" says so; Bob types a merge of both instead.
        await custom.FillAsync("");
        await Assertions.Expect(bob.Locator("[data-testid=save-merged]")).ToBeDisabledAsync();
        await BrowserFixture.ShotAsync(bob, "product-conflict-dialog-empty");
        await custom.FillAsync(Long.Replace("two drawers", "three drawers", StringComparison.Ordinal).Replace("Denmark", "Sweden", StringComparison.Ordinal));
        await Assertions.Expect(bob.Locator("[data-testid=save-merged]")).ToBeEnabledAsync();
        await bob.ClickAsync("[data-testid=save-merged]");
        await Assertions.Expect(bob.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {started.Version + 2} · last changed by Bob");
        Assert.Contains("three drawers and a cable tray. Made in Sweden", (await store.GetAsync(product.Id))!.Values.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AliceAndBobChangeDifferentFieldsOfAProduct_BobsSaveShowsTheMergeBanner_AndTheNextSaveKeepsBoth()
    {
        var store = host.Services.GetRequiredService<ProductStore>();
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Sku", PageSize: 20))).Items.Skip(10).First(p => !p.Values.RequiresCheckout);

        var alice = await SignInAsync("alice");
        var bob = await SignInAsync("bob");
        await alice.GotoAsync($"/products/{product.Id}");
        await bob.GotoAsync($"/products/{product.Id}");
        // Bob's stock is typed with real keys; then Alice saves a price.
        await Field(bob, "Stock").ClearAsync();
        await Field(bob, "Stock").PressSequentiallyAsync("55", new() { Delay = 80 });
        await Field(alice, "Price").FillAsync("12.34");
        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version + 1}");
        // Bob's page picks up the price (untouched there) and offers Review.
        await Assertions.Expect(Field(bob, "Price")).ToHaveValueAsync("12.34");
        await bob.ClickAsync("[data-testid=review]");

        await Assertions.Expect(bob.Locator("[data-testid=merge-banner]")).ToContainTextAsync("Merged Alice's change to Price with yours — Save to keep both.");
        await Assertions.Expect(bob.Locator(".mud-dialog")).ToHaveCountAsync(0);
        await BrowserFixture.ShotAsync(bob, "product-merge-banner");
        await bob.ClickAsync("[data-testid=save]");
        await Assertions.Expect(bob.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version + 2} · last changed by Bob");
        Assert.Equal(product.Values with { Price = 12.34m, Stock = 55 }, (await store.GetAsync(product.Id))!.Values);
    }
}

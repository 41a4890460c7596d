using Bunit;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Drafts;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Orders;
using CollabEditor.WebApp.Products;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// Unsaved edits kept as a server-side draft while the user types, restored when the page is opened
/// again (a reload, a lost circuit, a restart), merged when the record changed meanwhile, and gone
/// after a save or an explicit discard. A new page instance stands for a reload.
/// </summary>
public sealed class DraftTests : MudTestContext
{
    private const string Alice = "alice-id";
    private static readonly Actor Bob = new("bob-id", "Bob");
    private ProductSnapshot _product = default!;

    private ProductStore Products => Services.GetRequiredService<ProductStore>();

    private OrderStore Orders => Services.GetRequiredService<OrderStore>();

    private DraftStore Drafts => Services.GetRequiredService<DraftStore>();

    private static string ProductKey(int id) => ResourceKey.ForProduct(id);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var created = await Products.CreateAsync(new ProductValues("OAK-DES-001", "Oak desk", "A desk.", 100m, 10, false), Bob);
        _product = Assert.IsType<SaveResult.Saved>(created).Current;
    }

    private IRenderedComponent<IComponent> RenderPage<T>(int id)
        where T : IComponent
    {
        RenderFragment page = b =>
        {
            b.OpenComponent<T>(2);
            b.AddAttribute(3, "Id", id);
            b.CloseComponent();
        };
        return Render(page);
    }

    private IRenderedComponent<IComponent> RenderProduct(int id)
    {
        var cut = RenderPage<ProductEdit>(id);
        cut.WaitForElement("[data-testid=save]");
        return cut;
    }

    /// <summary>A reload: the page instance goes (as when its circuit ends) and a new one opens the record.</summary>
    private async Task<IRenderedComponent<IComponent>> ReopenProductAsync(int id)
    {
        await DisposeComponentsAsync();
        return RenderProduct(id);
    }

    private Task<(int BaseVersion, ProductValues Values, DateTimeOffset SavedAt)?> ProductDraftAsync() =>
        Drafts.GetAsync<ProductValues>(Alice, ProductKey(_product.Id));

    private async Task<(int BaseVersion, ProductValues Values, DateTimeOffset SavedAt)> WaitForProductDraftAsync(Func<ProductValues, bool> matches)
    {
        (int BaseVersion, ProductValues Values, DateTimeOffset SavedAt)? draft = null;
        await WaitUntilAsync(async () => (draft = await ProductDraftAsync()) is { } d && matches(d.Values));
        return draft!.Value;
    }

    private static string Text(IRenderedComponent<IComponent> cut, string testId) => cut.Find($"[data-testid={testId}]").TextContent.Trim();

    private static void AssertVersionLine(IRenderedComponent<IComponent> cut, string expected) =>
        cut.WaitForAssertion(() => Assert.Contains(expected, cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));

    // ---- Products ----

    [Fact]
    public async Task Typing_KeepsADraftOfTheEdits_WithTheVersionTheyStartedFrom()
    {
        var cut = RenderProduct(_product.Id);

        cut.Input("field-Name").Input("Alice's desk");
        cut.Input("field-Stock").Input("7");

        var draft = await WaitForProductDraftAsync(v => v.Stock == 7);
        Assert.Equal(1, draft.BaseVersion);
        Assert.Equal(_product.Values with { Name = "Alice's desk", Stock = 7 }, draft.Values);
    }

    [Fact]
    public async Task Reopening_RestoresTheDraft_WithTheRestoredAlert_AndSaveStoresIt()
    {
        var cut = RenderProduct(_product.Id);
        cut.Input("field-Name").Input("Alice's desk");
        await WaitForProductDraftAsync(v => v.Name == "Alice's desk");

        cut = await ReopenProductAsync(_product.Id);

        Assert.Equal("Alice's desk", cut.Input("field-Name").GetAttribute("value"));
        Assert.Contains("Restored your unsaved changes from", Text(cut, "draft-restored"), StringComparison.Ordinal);
        Assert.Contains("Version 1", Text(cut, "version-line"), StringComparison.Ordinal);
        Assert.Equal(1, (await Products.GetAsync(_product.Id))!.Version);

        cut.Find("form").Submit();

        AssertVersionLine(cut, "Version 2 · last changed by Alice");
        Assert.Equal("Alice's desk", (await Products.GetAsync(_product.Id))!.Values.Name);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=draft-restored]")));
        Assert.Null(await ProductDraftAsync());
    }

    [Fact]
    public async Task LeavingRightAfterTyping_StillKeepsTheDraft()
    {
        var cut = RenderProduct(_product.Id);
        cut.Input("field-Description").Input("Typed just before the tab closed");

        // Well within the debounce: the page's disposal writes what is pending.
        await DisposeComponentsAsync();

        var draft = await ProductDraftAsync();
        Assert.Equal("Typed just before the tab closed", draft?.Values.Description);
    }

    [Fact]
    public async Task Save_DiscardsTheDraft()
    {
        var cut = RenderProduct(_product.Id);
        cut.Input("field-Stock").Input("42");
        await WaitForProductDraftAsync(v => v.Stock == 42);

        cut.Find("form").Submit();

        AssertVersionLine(cut, "Version 2 · last changed by Alice");
        Assert.Null(await ProductDraftAsync());
        cut = await ReopenProductAsync(_product.Id);
        Assert.Empty(cut.FindAll("[data-testid=draft-restored]"));
        Assert.Equal("42", cut.Input("field-Stock").GetAttribute("value"));
    }

    [Fact]
    public async Task EditingBackToTheSavedValues_DeletesTheDraft()
    {
        var cut = RenderProduct(_product.Id);
        cut.Input("field-Name").Input("Oak desk, for now");
        await WaitForProductDraftAsync(v => v.Name == "Oak desk, for now");

        cut.Input("field-Name").Input("Oak desk");

        await WaitUntilAsync(async () => await ProductDraftAsync() is null);
    }

    [Fact]
    public async Task DiscardDraft_ShowsTheSavedValues_AndDeletesTheDraft()
    {
        await Drafts.SaveAsync(Alice, ProductKey(_product.Id), 1, _product.Values with { Name = "Alice's desk" });
        var cut = RenderProduct(_product.Id);
        Assert.Equal("Alice's desk", cut.Input("field-Name").GetAttribute("value"));

        cut.ClickNow("[data-testid=discard-draft]");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=draft-restored]")));
        Assert.Equal("Oak desk", cut.Input("field-Name").GetAttribute("value"));
        Assert.Null(await ProductDraftAsync());
        Assert.Equal(_product, await Products.GetAsync(_product.Id));
    }

    /// <summary>Review finding: a value typed back over one picked up from Bob's save is Alice's change, in the draft too.</summary>
    [Fact]
    public async Task Draft_OfAPriceTypedBackOverBobsPickedUpPrice_ComesBackAsTyped()
    {
        var cut = RenderProduct(_product.Id);
        cut.Input("field-Name").Input("Alice's desk");
        var bobs = Assert.IsType<SaveResult.Saved>(await Products.UpdateAsync(_product.Id, 1, _product.Values with { Price = 120m }, Bob)).Current;
        Services.GetRequiredService<ChangeFeed>().Publish(new ChangeEvent(ChangeKind.Saved, ProductKey(_product.Id), bobs.Version, "Bob"));
        cut.WaitForAssertion(() => Assert.Equal("120.00", cut.Input("field-Price").GetAttribute("value")));

        cut.Input("field-Price").Input("100");
        await WaitUntilAsync(async () => await Drafts.GetDraftAsync<ProductValues>(Alice, ProductKey(_product.Id)) is { MergeBase.Price: 120m, Values.Price: 100m });

        // A reload: the price is still what she typed, and the review knows it is her change against Bob's.
        cut = await ReopenProductAsync(_product.Id);
        cut.WaitForAssertion(() => Assert.Equal("100.00", cut.Input("field-Price").GetAttribute("value")));
        Assert.Equal("Alice's desk", cut.Input("field-Name").GetAttribute("value"));
    }

    [Fact]
    public async Task StaleDraft_WhenBobChangedAnotherField_ShowsBothMergedInTheForm_WithABanner()
    {
        await Drafts.SaveAsync(Alice, ProductKey(_product.Id), 1, _product.Values with { Name = "Alice's desk" });
        await Products.UpdateAsync(_product.Id, 1, _product.Values with { Price = 80m }, Bob);

        var cut = RenderProduct(_product.Id);

        // Merged against the version the draft started from (v1); nothing to decide, so no dialog.
        cut.WaitForAssertion(() => Assert.Contains("Merged Bob's change to Price with yours — Save to keep both.", Text(cut, "merge-banner"), StringComparison.Ordinal));
        cut.WaitForSaveEnabled();
        Assert.Empty(cut.FindAll("[data-testid=conflict-dialog]"));
        Assert.Equal("Alice's desk", cut.Input("field-Name").GetAttribute("value"));
        Assert.Equal("80.00", cut.Input("field-Price").GetAttribute("value"));
        AssertVersionLine(cut, "Version 2 · last changed by Bob");

        cut.ClickNow("[data-testid=save]");

        AssertVersionLine(cut, "Version 3 · last changed by Alice");
        Assert.Equal(_product.Values with { Name = "Alice's desk", Price = 80m }, (await Products.GetAsync(_product.Id))!.Values);
        await WaitUntilAsync(async () => await ProductDraftAsync() is null);
    }

    /// <summary>The version a draft started from is found however deep it is (the history panel shows only the newest 50).</summary>
    [Fact]
    public async Task StaleDraft_After250SavesByOthers_StillMergesAgainstTheVersionItStartedFrom()
    {
        await Drafts.SaveAsync(Alice, ProductKey(_product.Id), 1, _product.Values with { Name = "Alice's desk" });
        var current = _product;
        for (var i = 0; i < 250; i++)
        {
            current = Assert.IsType<SaveResult.Saved>(await Products.UpdateAsync(current.Id, current.Version, current.Values with { Stock = 100 + i }, Bob)).Current;
        }

        var cut = RenderProduct(_product.Id);

        cut.WaitForAssertion(() => Assert.Contains("Merged Bob's change to Stock with yours — Save to keep both.", Text(cut, "merge-banner"), StringComparison.Ordinal));
        Assert.Equal("Alice's desk", cut.Input("field-Name").GetAttribute("value"));
        Assert.Equal("349", cut.Input("field-Stock").GetAttribute("value"));
        Assert.DoesNotContain("no longer in the history", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaleDraft_WhenBobChangedTheSameField_IsAConflict_AndKeepEditingKeepsTheDraft()
    {
        await Drafts.SaveAsync(Alice, ProductKey(_product.Id), 1, _product.Values with { Name = "Alice's desk", Stock = 3 });
        await Products.UpdateAsync(_product.Id, 1, _product.Values with { Name = "Bob's desk", Price = 80m }, Bob);

        var cut = RenderProduct(_product.Id);

        cut.WaitForAssertion(() => Assert.Equal("Name", cut.Find("tr.merge-conflict").GetAttribute("data-field")));
        Assert.Single(cut.FindAll("tr.merge-conflict"));
        Assert.Equal("3", cut.Find("[data-testid=merged-Stock]").TextContent);
        Assert.Equal("80.00", cut.Find("[data-testid=merged-Price]").TextContent);

        cut.ClickNow("[data-testid=keep-editing]");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=conflict-dialog]")));
        // Mine where I typed, theirs where I did not; Review can reopen the merge.
        Assert.Equal("Alice's desk", cut.Input("field-Name").GetAttribute("value"));
        Assert.Equal("3", cut.Input("field-Stock").GetAttribute("value"));
        Assert.Equal("80.00", cut.Input("field-Price").GetAttribute("value"));
        Assert.NotEmpty(cut.FindAll("[data-testid=review]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=draft-restored]"));
        var draft = await ProductDraftAsync();
        Assert.Equal((1, "Alice's desk"), (draft?.BaseVersion, draft?.Values.Name));
        Assert.Equal("Bob's desk", (await Products.GetAsync(_product.Id))!.Values.Name);
    }

    [Fact]
    public async Task StaleDraft_DiscardMine_ShowsTheirs_AndDeletesTheDraft()
    {
        await Drafts.SaveAsync(Alice, ProductKey(_product.Id), 1, _product.Values with { Name = "Alice's desk" });
        await Products.UpdateAsync(_product.Id, 1, _product.Values with { Name = "Bob's desk" }, Bob);

        var cut = RenderProduct(_product.Id);
        cut.WaitForElement("[data-testid=discard-mine]");
        cut.ClickNow("[data-testid=discard-mine]");

        AssertVersionLine(cut, "Version 2 · last changed by Bob");
        Assert.Equal("Bob's desk", cut.Input("field-Name").GetAttribute("value"));
        Assert.Empty(cut.FindAll("[data-testid=draft-restored]"));
        await WaitUntilAsync(async () => await ProductDraftAsync() is null);
    }

    [Fact]
    public async Task DraftOfADeletedProduct_KeepsTheValues_AndOffersToCreateItAgain()
    {
        await Drafts.SaveAsync(Alice, ProductKey(_product.Id), 1, _product.Values with { Name = "Still wanted" });
        await Products.DeleteAsync(_product.Id, 1, Bob);

        var cut = RenderProduct(_product.Id);

        Assert.Contains("Bob deleted this product", Text(cut, "remote-banner"), StringComparison.Ordinal);
        Assert.Equal("Still wanted", cut.Input("field-Name").GetAttribute("value"));
        cut.Find("form").Submit();
        cut.WaitForElement("[data-testid=recreate]");
        cut.ClickNow("[data-testid=recreate]");

        await WaitUntilAsync(async () => (await Products.ListAsync(new ProductQuery(Search: "OAK-DES-001"))).Items.Any(p => p.Values.Name == "Still wanted"));
        await WaitUntilAsync(async () => await ProductDraftAsync() is null);
    }

    // ---- Orders ----

    private async Task<OrderSnapshot> CreateOrderWithTwoLinesAsync()
    {
        var chair = Assert.IsType<SaveResult.Saved>(await Products.CreateAsync(new ProductValues("OAK-CHA-001", "Oak chair", "A chair.", 25.50m, 10, false), Bob)).Current;
        var created = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("Contoso", OrderStatus.Draft, ""), Bob)).Current;
        var values = created.Values
            .AddLine(_product.Id, _product.Values.Sku, _product.Values.Name, 2, _product.Values.Price)
            .AddLine(chair.Id, chair.Values.Sku, chair.Values.Name, 4, chair.Values.Price);
        return Assert.IsType<OrderSaveResult.Saved>(await Orders.SaveAsync(created.Id, created.Version, values, Bob)).Current;
    }

    private Task<(int BaseVersion, OrderValues Values, DateTimeOffset SavedAt)?> OrderDraftAsync(int id) =>
        Drafts.GetAsync<OrderValues>(Alice, ResourceKey.ForOrder(id));

    private IRenderedComponent<IComponent> RenderOrder(int id)
    {
        var cut = RenderPage<OrderEdit>(id);
        cut.WaitForElement("[data-testid=save]");
        return cut;
    }

    [Fact]
    public async Task Order_EditsAreKeptAsADraft_RestoredOnReopening_AndDiscardedBySave()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        cut.Input("qty-OAK-DES-001").Input("5");
        cut.ClickNow("[data-testid=remove-OAK-CHA-001]");
        await WaitUntilAsync(async () => await OrderDraftAsync(order.Id) is { } d && d.Values.Lines.Count == 1 && d.Values.Lines[0].Quantity == 5);

        await DisposeComponentsAsync();
        cut = RenderOrder(order.Id);

        Assert.Contains("Restored your unsaved changes from", Text(cut, "draft-restored"), StringComparison.Ordinal);
        Assert.Equal("5", cut.Input("qty-OAK-DES-001").GetAttribute("value"));
        Assert.Empty(cut.FindAll("tr[data-line=OAK-CHA-001]"));
        Assert.Equal("Total: 500.00", Text(cut, "order-total"));

        cut.ClickNow("[data-testid=save]");

        AssertVersionLine(cut, "Version 3 · last changed by Alice");
        var saved = (await Orders.GetAsync(order.Id))!;
        Assert.Equal((1, 5), (saved.Values.Lines.Count, saved.Values.Lines[0].Quantity));
        Assert.Null(await OrderDraftAsync(order.Id));
    }

    [Fact]
    public async Task Order_StaleDraft_ShowsBobsLineMergedWithMine_WithABanner()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var desk = order.Values.Lines.Single(l => l.Sku == "OAK-DES-001");
        var chair = order.Values.Lines.Single(l => l.Sku == "OAK-CHA-001");
        await Drafts.SaveAsync(Alice, ResourceKey.ForOrder(order.Id), order.Version, order.Values.WithLine(desk with { Quantity = 3 }));
        Assert.IsType<OrderSaveResult.Saved>(await Orders.SaveAsync(order.Id, order.Version, order.Values.WithLine(chair with { UnitPrice = 30m }), Bob));

        var cut = RenderOrder(order.Id);

        cut.WaitForAssertion(() => Assert.Equal("Merged Bob's change to OAK-CHA-001 with yours — Save to keep both.", Text(cut, "merge-banner")));
        cut.WaitForSaveEnabled();
        Assert.Empty(cut.FindAll(".mud-dialog"));
        Assert.Equal("3", cut.Input("qty-OAK-DES-001").GetAttribute("value"));
        Assert.Equal("30.00", cut.Input("price-OAK-CHA-001").GetAttribute("value"));
        cut.ClickNow("[data-testid=save]");

        AssertVersionLine(cut, "Version 4 · last changed by Alice");
        var saved = (await Orders.GetAsync(order.Id))!;
        Assert.Equal((3, 30m), (saved.Values.Lines.Single(l => l.Sku == "OAK-DES-001").Quantity, saved.Values.Lines.Single(l => l.Sku == "OAK-CHA-001").UnitPrice));
        await WaitUntilAsync(async () => await OrderDraftAsync(order.Id) is null);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}

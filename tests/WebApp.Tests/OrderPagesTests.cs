using CollabEditor.Tests;
using AngleSharp.Dom;
using Bunit;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Core.Customers;
using CollabEditor.Core.Records;
using CollabEditor.Data.Customers;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Orders;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// The order editor (lines grid, product picker, status actions, read-only states, live banner),
/// the aggregate conflict dialog, and the orders list, on a real database.
/// </summary>
public sealed class OrderPagesTests : MudTestContext
{
    private const string Desk = "OAK-DES-001";
    private const string Chair = "OAK-CHA-001";
    private const string Lamp = "BRS-LAM-001";
    private static readonly Actor Bob = new("bob-id", "Bob");
    private ProductSnapshot _desk = default!;
    private ProductSnapshot _chair = default!;
    private ProductSnapshot _lamp = default!;

    private OrderStore Orders => Services.GetRequiredService<OrderStore>();

    private ProductStore Products => Services.GetRequiredService<ProductStore>();

    private LeaseStore Leases => Services.GetRequiredService<LeaseStore>();

    private ChangeFeed Feed => Services.GetRequiredService<ChangeFeed>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _desk = await CreateProductAsync(new ProductValues(Desk, "Oak desk", "A desk.", 100m, 10, false));
        _chair = await CreateProductAsync(new ProductValues(Chair, "Oak chair", "A chair.", 25.50m, 10, false));
        _lamp = await CreateProductAsync(new ProductValues(Lamp, "Brass lamp", "A lamp.", 40m, 10, false));
    }

    private async Task<ProductSnapshot> CreateProductAsync(ProductValues values) =>
        Assert.IsType<SaveResult.Saved>(await Products.CreateAsync(values, Bob)).Current;

    private async Task<OrderSnapshot> CreateEmptyOrderAsync(string customer = "Contoso") =>
        Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader(customer, OrderStatus.Draft, ""), Bob)).Current;

    /// <summary>A draft order at version 2: 2 desks at 100.00 and 4 chairs at 25.50 (total 302.00).</summary>
    private async Task<OrderSnapshot> CreateOrderWithTwoLinesAsync(string customer = "Contoso")
    {
        var created = await CreateEmptyOrderAsync(customer);
        var values = created.Values
            .AddLine(_desk.Id, _desk.Values.Sku, _desk.Values.Name, 2, _desk.Values.Price)
            .AddLine(_chair.Id, _chair.Values.Sku, _chair.Values.Name, 4, _chair.Values.Price);
        return await SaveAsync(created, values, Bob);
    }

    private async Task<OrderSnapshot> SaveAsync(OrderSnapshot from, OrderValues values, Actor actor) =>
        Assert.IsType<OrderSaveResult.Saved>(await Orders.SaveAsync(from.Id, from.Version, values, actor)).Current;

    private static OrderValues ChangeLine(OrderValues values, string sku, Func<OrderLine, OrderLine> change) =>
        values.WithLine(change(values.Lines.Single(l => l.Sku == sku)));

    private static OrderValues RemoveLine(OrderValues values, string sku) =>
        values.RemoveLine(values.Lines.Single(l => l.Sku == sku).LineId);

    /// <summary>Nothing was written: same version and stamp, same values (records compare line lists by reference).</summary>
    private async Task AssertUnchangedAsync(OrderSnapshot expected)
    {
        var current = (await Orders.GetAsync(expected.Id))!;
        Assert.Equal((expected.Version, expected.LastChangedBy, expected.LastChangedAt), (current.Version, current.LastChangedBy, current.LastChangedAt));
        Assert.True(expected.Values.SameAs(current.Values));
    }

    private static OrderLine LineOf(OrderSnapshot order, string sku) => order.Values.Lines.Single(l => l.Sku == sku);

    private IRenderedComponent<IComponent> RenderWithProviders<T>(Action<Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder>? parameters = null)
        where T : IComponent
    {
        RenderFragment page = b =>
        {
            b.OpenComponent<T>(2);
            parameters?.Invoke(b);
            b.CloseComponent();
        };
        return Render(page);
    }

    private IRenderedComponent<IComponent> RenderOrder(int id)
    {
        var cut = RenderWithProviders<OrderEdit>(b => b.AddAttribute(3, nameof(OrderEdit.Id), id));
        cut.WaitForElement("[data-testid=save]");
        return cut;
    }

    private static string Text(IRenderedComponent<IComponent> cut, string testId) => cut.Find($"[data-testid={testId}]").TextContent.Trim();

    private static IElement InDialog(IRenderedComponent<IComponent> cut, string testId) => cut.Find($".mud-dialog [data-testid={testId}]");

    private static void AssertVersionLine(IRenderedComponent<IComponent> cut, string expected) =>
        cut.WaitForAssertion(() => Assert.Contains(expected, cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));

    private static void AssertEnabled(IRenderedComponent<IComponent> cut, string selector) =>
        cut.WaitForAssertion(() => Assert.False(cut.Find(selector).HasAttribute("disabled")));

    // ---- Lines grid ----

    [Fact]
    public async Task TypingOn_WhileASaveIsOnItsWay_KeepsTheEdits_AsUnsavedEdits()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        cut.Input("field-CustomerName").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "A" });
        cut.Input("field-CustomerName").Input("Contoso A");

        // Another session holds the order row, so the save's SELECT … FOR UPDATE waits.
        await using var tx = await TestPostgres.HoldRowLockAsync(ConnectionString, "orders", order.Id);

        var saving = cut.InvokeAsync(() => cut.Find("[data-testid=save]").ClickAsync(new()));
        await TestPostgres.WaitForALockWaitAsync(ConnectionString);
        cut.Input("field-CustomerName").Input("Contoso AB");
        await tx.RollbackAsync();
        await saving;

        cut.WaitForAssertion(() => Assert.Contains($"Version {order.Version + 1}", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        Assert.Equal("Contoso A", (await Orders.GetAsync(order.Id))!.Values.Header.CustomerName);
        Assert.Equal("Contoso AB", cut.Input("field-CustomerName").GetAttribute("value"));

        cut.ClickNow("[data-testid=save]");
        cut.WaitForAssertion(() => Assert.Contains($"Version {order.Version + 2}", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        Assert.Equal("Contoso AB", (await Orders.GetAsync(order.Id))!.Values.Header.CustomerName);
    }

    [Fact]
    public async Task EditPage_ShowsTheLinesWithTheirTotals_AndTheOrderTotal()
    {
        var cut = RenderOrder((await CreateOrderWithTwoLinesAsync()).Id);

        Assert.Equal("2", cut.Input($"qty-{Desk}").GetAttribute("value"));
        Assert.Equal("25.50", cut.Input($"price-{Chair}").GetAttribute("value"));
        Assert.Equal("200.00", Text(cut, $"total-{Desk}"));
        Assert.Equal("102.00", Text(cut, $"total-{Chair}"));
        Assert.Equal("Total: 302.00", Text(cut, "order-total"));
        Assert.Contains("Version 2 · last changed by Bob", Text(cut, "version-line"), StringComparison.Ordinal);
        Assert.Equal("Draft", Text(cut, "order-status"));
    }

    [Fact]
    public async Task EditingAQuantity_UpdatesTheTotals_AndRemovingALineAndSaving_StoresTheNextVersion()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);

        cut.Input($"qty-{Desk}").Input("5");
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("500.00", Text(cut, $"total-{Desk}"));
            Assert.Equal("Total: 602.00", Text(cut, "order-total"));
        });

        cut.ClickNow($"[data-testid=remove-{Chair}]");
        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll($"tr[data-line={Chair}]"));
            Assert.Equal("Total: 500.00", Text(cut, "order-total"));
        });
        Assert.Equal("5", cut.Input($"qty-{Desk}").GetAttribute("value"));

        cut.ClickNow("[data-testid=save]");

        AssertVersionLine(cut, "Version 3 · last changed by Alice");
        var saved = (await Orders.GetAsync(order.Id))!;
        Assert.Equal(3, saved.Version);
        var line = Assert.Single(saved.Values.Lines);
        Assert.Equal((LineOf(order, Desk).LineId, Desk, 5, 100m), (line.LineId, line.Sku, line.Quantity, line.UnitPrice));
    }

    [Fact]
    public async Task RemovingTheFirstLine_AfterEditingBoth_LeavesTheOtherLinesValuesInItsRow()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);

        cut.Input($"qty-{Desk}").Input("5");
        cut.Input($"price-{Chair}").Input("30");
        cut.ClickNow($"[data-testid=remove-{Desk}]");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll($"tr[data-line={Desk}]")));
        Assert.Equal("4", cut.Input($"qty-{Chair}").GetAttribute("value"));
        Assert.Equal("30.00", cut.Input($"price-{Chair}").GetAttribute("value"));
        Assert.Equal("120.00", Text(cut, $"total-{Chair}"));
        Assert.Equal("Total: 120.00", Text(cut, "order-total"));

        cut.ClickNow("[data-testid=save]");

        AssertVersionLine(cut, "Version 3 · last changed by Alice");
        var line = Assert.Single((await Orders.GetAsync(order.Id))!.Values.Lines);
        Assert.Equal((Chair, 4, 30m), (line.Sku, line.Quantity, line.UnitPrice));
    }

    [Fact]
    public async Task EditingAUnitPrice_UpdatesTheLineTotal_AndIsSaved()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);

        cut.Input($"price-{Chair}").Input("30");
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("120.00", Text(cut, $"total-{Chair}"));
            Assert.Equal("Total: 320.00", Text(cut, "order-total"));
        });
        cut.ClickNow("[data-testid=save]");

        AssertVersionLine(cut, "Version 3 · last changed by Alice");
        Assert.Equal(30m, LineOf((await Orders.GetAsync(order.Id))!, Chair).UnitPrice);
    }

    [Fact]
    public async Task Save_WithAZeroQuantity_ShowsTheLineError_AndSavesNothing()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);

        cut.Input($"qty-{Chair}").Input("0");
        cut.ClickNow("[data-testid=save]");

        cut.WaitForAssertion(() => Assert.Equal("Line 2: quantity must be more than 0.", Text(cut, "order-error")));
        await AssertUnchangedAsync(order);
        Assert.Contains("Version 2", Text(cut, "version-line"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProductPicker_AddsALineAtTheProductsPrice_ThatIsSavedWithTheOrder()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        Assert.True(cut.Find("[data-testid=add-line]").HasAttribute("disabled"));

        cut.Input("product-picker").Input("BRS");
        var item = cut.WaitForElement(".mud-popover .mud-list-item");
        Assert.Contains($"{Lamp} Brass lamp", item.TextContent, StringComparison.Ordinal);
        item.Click();
        AssertEnabled(cut, "[data-testid=add-line]");
        cut.ClickNow("[data-testid=add-line]");

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("1", cut.Input($"qty-{Lamp}").GetAttribute("value"));
            Assert.Equal("40.00", cut.Input($"price-{Lamp}").GetAttribute("value"));
            Assert.Equal("Total: 342.00", Text(cut, "order-total"));
        });
        // The picker is cleared for the next product.
        Assert.True(cut.Find("[data-testid=add-line]").HasAttribute("disabled"));

        cut.ClickNow("[data-testid=save]");

        AssertVersionLine(cut, "Version 3 · last changed by Alice");
        var saved = (await Orders.GetAsync(order.Id))!;
        Assert.Equal([Desk, Chair, Lamp], saved.Values.Lines.Select(l => l.Sku));
        Assert.Equal((_lamp.Id, "Brass lamp", 1, 40m), (LineOf(saved, Lamp).ProductId, LineOf(saved, Lamp).ProductName, LineOf(saved, Lamp).Quantity, LineOf(saved, Lamp).UnitPrice));
    }

    // ---- Aggregate conflict dialog ----

    [Fact]
    public async Task Save_AfterBobChangedAnotherLine_ShowsBothLinesMergedOnThePage_WithABannerAndNoDialog_AndTheNextSaveStoresThem()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        await SaveAsync(order, ChangeLine(order.Values, Desk, l => l with { Quantity = 3 }), Bob);

        cut.Input($"price-{Chair}").Input("30");
        cut.ClickNow("[data-testid=save]");

        // Nothing to decide: no dialog; the merge is on the page, on Bob's version 3, not saved yet.
        cut.WaitForAssertion(() => Assert.Equal($"Merged Bob's change to {Desk} with yours — Save to keep both.", Text(cut, "merge-banner")));
        cut.WaitForSaveEnabled();
        Assert.Empty(cut.FindAll(".mud-dialog"));
        Assert.Equal("3", cut.Input($"qty-{Desk}").GetAttribute("value"));
        Assert.Equal("30.00", cut.Input($"price-{Chair}").GetAttribute("value"));
        Assert.Equal("Total: 420.00", Text(cut, "order-total"));
        AssertVersionLine(cut, "Version 3 · last changed by Bob");
        Assert.Equal(25.50m, LineOf((await Orders.GetAsync(order.Id))!, Chair).UnitPrice);

        cut.ClickNow("[data-testid=save]");

        AssertVersionLine(cut, "Version 4 · last changed by Alice");
        Assert.Empty(cut.FindAll("[data-testid=merge-banner]"));
        var saved = (await Orders.GetAsync(order.Id))!;
        Assert.Equal(4, saved.Version);
        Assert.Equal((3, 100m), (LineOf(saved, Desk).Quantity, LineOf(saved, Desk).UnitPrice));
        Assert.Equal((4, 30m), (LineOf(saved, Chair).Quantity, LineOf(saved, Chair).UnitPrice));
        Assert.Equal("3", cut.Input($"qty-{Desk}").GetAttribute("value"));
        Assert.Equal("Total: 420.00", Text(cut, "order-total"));
    }

    [Fact]
    public async Task Save_WhenBobChangedTheSameQuantity_ShowsAConflictRow_AndSavesMineOnceChosen()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        await SaveAsync(order, ChangeLine(order.Values, Desk, l => l with { Quantity = 3 }), Bob);

        cut.Input($"qty-{Desk}").Input("7");
        cut.ClickNow("[data-testid=save]");

        cut.WaitForAssertion(() => Assert.Contains("Bob saved version 3", Text(cut, "conflict-title"), StringComparison.Ordinal));
        var conflict = Assert.Single(cut.FindAll("tr.merge-conflict"));
        Assert.Equal(Desk, conflict.GetAttribute("data-line"));
        Assert.Contains("1 needs your decision.", Text(cut, "merge-summary"), StringComparison.Ordinal);
        Assert.True(InDialog(cut, "save-merged").HasAttribute("disabled"));

        InDialog(cut, $"choose-mine-{Desk}-Quantity").Click();
        AssertEnabled(cut, ".mud-dialog [data-testid=save-merged]");
        Assert.Equal("Merged total: 802.00", Text(cut, "merged-total"));
        InDialog(cut, "save-merged").Click();

        AssertVersionLine(cut, "Version 4 · last changed by Alice");
        var saved = (await Orders.GetAsync(order.Id))!;
        Assert.Equal(7, LineOf(saved, Desk).Quantity);
        Assert.Equal(order.Values.Lines.Single(l => l.Sku == Chair), LineOf(saved, Chair));
    }

    /// <summary>
    /// An order linked to Acme; Bob links it to Beta while Alice types another name. The Customer row
    /// is a conflict, and the side chosen brings its link and its name together.
    /// </summary>
    private async Task<(OrderSnapshot Order, int Acme, int Beta, IRenderedComponent<IComponent> Cut)> CustomerConflictAsync()
    {
        var customers = Services.GetRequiredService<CustomerStore>();
        var acme = Assert.IsType<SaveResult<CustomerSnapshot>.Saved>(await customers.CreateAsync(new CustomerValues("Acme Ltd", "", "", "", ""), Bob)).Current;
        var beta = Assert.IsType<SaveResult<CustomerSnapshot>.Saved>(await customers.CreateAsync(new CustomerValues("Beta GmbH", "", "", "", ""), Bob)).Current;
        var order = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("", OrderStatus.Draft, "", acme.Id), Bob)).Current;
        var cut = RenderOrder(order.Id);
        await SaveAsync(order, order.Values.WithHeader(order.Values.Header with { CustomerId = beta.Id }), Bob);

        cut.Input("field-CustomerName").Input("Acme Ltd (walk-in)");
        cut.ClickNow("[data-testid=save]");
        cut.WaitForAssertion(() => Assert.Contains("Bob saved version 2", Text(cut, "conflict-title"), StringComparison.Ordinal));
        var row = Assert.Single(cut.FindAll(".mud-dialog tr.merge-conflict"));
        Assert.Equal("CustomerName", row.GetAttribute("data-field"));
        Assert.Contains("Beta GmbH", row.QuerySelector("[data-col=theirs]")!.TextContent, StringComparison.Ordinal);
        return (order, acme.Id, beta.Id, cut);
    }

    [Fact]
    public async Task ConflictDialog_CustomerChosenTheirs_SavesTheirLinkWithTheirName()
    {
        var (order, _, beta, cut) = await CustomerConflictAsync();

        InDialog(cut, "choose-theirs-CustomerName").Click();
        AssertEnabled(cut, ".mud-dialog [data-testid=save-merged]");
        InDialog(cut, "save-merged").Click();

        // The merged order is Bob's version exactly: nothing new to write, and the editor shows it.
        AssertVersionLine(cut, "Version 2 · last changed by Bob");
        Assert.Equal("Beta GmbH", cut.Input("field-CustomerName").GetAttribute("value"));
        var saved = (await Orders.GetAsync(order.Id))!.Values.Header;
        Assert.Equal(((int?)beta, "Beta GmbH"), (saved.CustomerId, saved.CustomerName));
    }

    [Fact]
    public async Task ConflictDialog_CustomerChosenMine_SavesMyTypedNameUnlinked_NotTheirLinkUnderMyName()
    {
        var (order, _, _, cut) = await CustomerConflictAsync();

        InDialog(cut, "choose-mine-CustomerName").Click();
        AssertEnabled(cut, ".mud-dialog [data-testid=save-merged]");
        InDialog(cut, "save-merged").Click();

        AssertVersionLine(cut, "Version 3 · last changed by Alice");
        var saved = (await Orders.GetAsync(order.Id))!.Values.Header;
        // I typed a name of my own, which unlinks the order (the name is the order's): never Beta's link under my name.
        Assert.Equal(((int?)null, "Acme Ltd (walk-in)"), (saved.CustomerId, saved.CustomerName));
    }

    [Fact]
    public async Task Save_WhenBobChangedTheSameQuantity_AndTheirsIsChosen_SavesBobsQuantity()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        await SaveAsync(order, ChangeLine(order.Values, Desk, l => l with { Quantity = 3 }), Bob);

        cut.Input($"qty-{Desk}").Input("7");
        cut.Input($"price-{Chair}").Input("30");
        cut.ClickNow("[data-testid=save]");
        cut.WaitForElement($".mud-dialog [data-testid=choose-theirs-{Desk}-Quantity]").Click();
        AssertEnabled(cut, ".mud-dialog [data-testid=save-merged]");
        InDialog(cut, "save-merged").Click();

        AssertVersionLine(cut, "Version 4 · last changed by Alice");
        var saved = (await Orders.GetAsync(order.Id))!;
        Assert.Equal(3, LineOf(saved, Desk).Quantity);
        Assert.Equal(30m, LineOf(saved, Chair).UnitPrice);
    }

    [Fact]
    public async Task ConflictDialog_LabelsMyOwnLineChangeYours_AndSummarisesInOneNothingSentence()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        await SaveAsync(order, ChangeLine(order.Values, Desk, l => l with { Quantity = 3 }) with { Header = order.Values.Header with { CustomerName = "Contoso Ltd" } }, Bob);

        cut.Input($"qty-{Desk}").Input("7");
        cut.Input($"price-{Chair}").Input("30");
        cut.ClickNow("[data-testid=save]");

        cut.WaitForAssertion(() => Assert.Equal(Desk, Assert.Single(cut.FindAll("tr.merge-conflict")).GetAttribute("data-line")));
        Assert.Equal("yours", Text(cut, $"line-outcome-{Chair}"));
        Assert.Equal("theirs", Text(cut, "outcome-CustomerName"));
        var summary = Text(cut, "merge-summary");
        Assert.StartsWith("2 changes merged for you; 1 needs your decision.", summary, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(summary, @"(^|\. )Nothing"));
    }

    [Fact]
    public async Task Save_WhenBobFulfilledTheOrderMeanwhile_ShowsTheMergeWithTheRule_AndSavesNothing()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        var submitted = await SaveAsync(order, order.Values with { Header = order.Values.Header with { Status = OrderStatus.Submitted } }, Bob);
        var fulfilled = await SaveAsync(submitted, submitted.Values with { Header = submitted.Values.Header with { Status = OrderStatus.Fulfilled } }, Bob);

        cut.Input($"qty-{Chair}").Input("6");
        cut.ClickNow("[data-testid=save]");

        // The merge is validated again: a fulfilled order cannot take my line change.
        cut.WaitForAssertion(() => Assert.Contains("it cannot be saved as it stands", Text(cut, "merge-banner"), StringComparison.Ordinal));
        Assert.Contains("can no longer be changed", Text(cut, "order-error"), StringComparison.Ordinal);
        Assert.Empty(cut.FindAll(".mud-dialog"));
        await AssertUnchangedAsync(fulfilled);
    }

    [Fact]
    public async Task Save_WhenBobRemovedALineIEdited_OffersKeepOrRemove_AndKeepSavesMyLine()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        await SaveAsync(order, RemoveLine(order.Values, Chair), Bob);

        cut.Input($"qty-{Chair}").Input("6");
        cut.ClickNow("[data-testid=save]");

        cut.WaitForAssertion(() => Assert.Contains("Bob saved version 3", Text(cut, "conflict-title"), StringComparison.Ordinal));
        Assert.Equal(Chair, Assert.Single(cut.FindAll("tr.merge-conflict")).GetAttribute("data-line"));
        Assert.Contains("They removed it; you changed it.", cut.Find($".mud-dialog tr[data-line={Chair}]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(InDialog(cut, $"keep-{Chair}"));
        Assert.NotNull(InDialog(cut, $"remove-{Chair}"));
        Assert.True(InDialog(cut, "save-merged").HasAttribute("disabled"));

        InDialog(cut, $"keep-{Chair}").Click();
        AssertEnabled(cut, ".mud-dialog [data-testid=save-merged]");
        InDialog(cut, "save-merged").Click();

        AssertVersionLine(cut, "Version 4 · last changed by Alice");
        var saved = (await Orders.GetAsync(order.Id))!;
        Assert.Equal([Desk, Chair], saved.Values.Lines.Select(l => l.Sku));
        Assert.Equal((LineOf(order, Chair).LineId, 6), (LineOf(saved, Chair).LineId, LineOf(saved, Chair).Quantity));
    }

    [Fact]
    public async Task Save_WhenBobRemovedALineIEdited_AndRemoveIsChosen_SavesWithoutIt()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        await SaveAsync(order, RemoveLine(order.Values, Chair), Bob);

        cut.Input($"qty-{Chair}").Input("6");
        cut.ClickNow("[data-testid=save]");
        cut.WaitForElement($".mud-dialog [data-testid=remove-{Chair}]").Click();
        AssertEnabled(cut, ".mud-dialog [data-testid=save-merged]");
        Assert.Equal("Merged total: 200.00", Text(cut, "merged-total"));
        InDialog(cut, "save-merged").Click();

        // Nothing differs from Bob's version 3, so nothing new is written.
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-dialog")));
        AssertVersionLine(cut, "Version 3 · last changed by Bob");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll($"tr[data-line={Chair}]")));
        var saved = (await Orders.GetAsync(order.Id))!;
        Assert.Equal([Desk], saved.Values.Lines.Select(l => l.Sku));
    }

    [Fact]
    public async Task Save_WhenIRemovedALineBobChanged_OffersKeepOrRemove_AndKeepSavesBobsLine()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        await SaveAsync(order, ChangeLine(order.Values, Chair, l => l with { Quantity = 8 }), Bob);

        cut.ClickNow($"[data-testid=remove-{Chair}]");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll($"tr[data-line={Chair}]")));
        cut.ClickNow("[data-testid=save]");

        cut.WaitForAssertion(() => Assert.Contains("You removed it; they changed it.", cut.Find($".mud-dialog tr[data-line={Chair}]").TextContent, StringComparison.Ordinal));
        Assert.True(InDialog(cut, "save-merged").HasAttribute("disabled"));
        InDialog(cut, $"keep-{Chair}").Click();
        AssertEnabled(cut, ".mud-dialog [data-testid=save-merged]");
        Assert.Equal("Merged total: 404.00", Text(cut, "merged-total"));
        InDialog(cut, "save-merged").Click();

        // Keeping Bob's line leaves exactly Bob's version 3: nothing new to write.
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-dialog")));
        AssertVersionLine(cut, "Version 3 · last changed by Bob");
        cut.WaitForAssertion(() => Assert.Equal("8", cut.Input($"qty-{Chair}").GetAttribute("value")));
        Assert.Equal(8, LineOf((await Orders.GetAsync(order.Id))!, Chair).Quantity);
    }

    [Fact]
    public async Task ConflictDialog_KeepEditing_KeepsMyValues_AndSavesNothing()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        await SaveAsync(order, ChangeLine(order.Values, Desk, l => l with { Quantity = 3 }), Bob);

        cut.Input($"qty-{Desk}").Input("7");
        cut.ClickNow("[data-testid=save]");
        cut.WaitForElement(".mud-dialog [data-testid=keep-editing]");
        cut.ClickNow(".mud-dialog [data-testid=keep-editing]");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-dialog")));
        Assert.Equal("7", cut.Input($"qty-{Desk}").GetAttribute("value"));
        Assert.Equal(3, LineOf((await Orders.GetAsync(order.Id))!, Desk).Quantity);
    }

    // ---- Read-only states ----

    [Fact]
    public async Task AFulfilledOrder_IsReadOnly_WithoutSaveOrStatusActions()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        order = await SaveAsync(order, order.Values.WithHeader(order.Values.Header with { Status = OrderStatus.Submitted }), Bob);
        order = await SaveAsync(order, order.Values.WithHeader(order.Values.Header with { Status = OrderStatus.Fulfilled }), Bob);

        var cut = RenderOrder(order.Id);

        Assert.Equal("This order is fulfilled and can no longer be changed.", Text(cut, "read-only-status"));
        Assert.Equal("Fulfilled", Text(cut, "order-status"));
        Assert.True(cut.Input("field-CustomerName").HasAttribute("readonly"));
        Assert.True(cut.Input("field-Notes").HasAttribute("readonly"));
        foreach (var sku in new[] { Desk, Chair })
        {
            Assert.True(cut.Input($"qty-{sku}").HasAttribute("readonly"));
            Assert.True(cut.Input($"price-{sku}").HasAttribute("readonly"));
            Assert.Empty(cut.FindAll($"[data-testid=remove-{sku}]"));
        }

        Assert.True(cut.Find("[data-testid=save]").HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("[data-testid^=status-]"));
        Assert.Empty(cut.FindAll("[data-testid=product-picker]"));
        Assert.Empty(cut.FindAll("[data-testid=add-line]"));
    }

    [Fact]
    public async Task AnOrderCheckedOutByBob_IsReadOnly_WithTheCheckoutBanner()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        Assert.IsType<AcquireResult.Granted>(await Leases.AcquireAsync(ResourceKey.ForOrder(order.Id), Bob, "tab"));

        var cut = RenderOrder(order.Id);

        cut.WaitForAssertion(() => Assert.StartsWith("Checked out by Bob", Text(cut, "lease-banner"), StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.True(cut.Input($"qty-{Desk}").HasAttribute("readonly")));
        Assert.True(cut.Input($"price-{Chair}").HasAttribute("readonly"));
        Assert.True(cut.Input("field-CustomerName").HasAttribute("readonly"));
        Assert.True(cut.Find("[data-testid=save]").HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("[data-testid^=status-]"));
        Assert.Empty(cut.FindAll($"[data-testid=remove-{Desk}]"));
        Assert.Empty(cut.FindAll("[data-testid=read-only-status]"));
    }

    // ---- Status actions ----

    [Fact]
    public async Task Submit_WithoutLines_ShowsTheRule_AndChangesNothing()
    {
        var order = await CreateEmptyOrderAsync();
        var cut = RenderOrder(order.Id);
        Assert.NotNull(cut.Find("[data-testid=status-Cancelled]"));

        cut.ClickNow("[data-testid=status-Submitted]");

        cut.WaitForAssertion(() => Assert.Equal("An order needs at least one line to be submitted.", Text(cut, "order-error")));
        await AssertUnchangedAsync(order);
        Assert.Contains("Version 1", Text(cut, "version-line"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_WhenRefused_LeavesTheOrderADraftOnThePage_SoALaterSaveDoesNotSubmitIt()
    {
        var order = await CreateEmptyOrderAsync();
        var cut = RenderOrder(order.Id);

        cut.ClickNow("[data-testid=status-Submitted]");
        cut.WaitForAssertion(() => Assert.Equal("An order needs at least one line to be submitted.", Text(cut, "order-error")));

        // The refused status change must not stay behind in the working copy.
        Assert.Equal("Draft", Text(cut, "order-status"));
        cut.Input("field-Notes").Input("Call first.");
        cut.ClickNow("[data-testid=save]");

        AssertVersionLine(cut, "Version 2 · last changed by Alice");
        var saved = (await Orders.GetAsync(order.Id))!;
        Assert.Equal(new OrderHeader("Contoso", OrderStatus.Draft, "Call first."), saved.Values.Header);
    }

    [Fact]
    public async Task Submit_WithALine_SubmitsTheOrderAtTheNextVersion()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);

        cut.ClickNow("[data-testid=status-Submitted]");

        cut.WaitForAssertion(() => Assert.Equal("Submitted", Text(cut, "order-status")));
        AssertVersionLine(cut, "Version 3 · last changed by Alice");
        var saved = (await Orders.GetAsync(order.Id))!;
        Assert.Equal((OrderStatus.Submitted, 3), (saved.Values.Header.Status, saved.Version));
        Assert.Equal(order.Values.Lines, saved.Values.Lines);
        // From Submitted: back to draft, fulfil or cancel.
        Assert.Equal(
            ["status-Draft", "status-Fulfilled", "status-Cancelled"],
            cut.FindAll("[data-testid^=status-]").Select(b => b.GetAttribute("data-testid")));
    }

    [Fact]
    public async Task MarkFulfilled_MakesTheOrderReadOnly()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        order = await SaveAsync(order, order.Values.WithHeader(order.Values.Header with { Status = OrderStatus.Submitted }), Bob);
        var cut = RenderOrder(order.Id);

        cut.ClickNow("[data-testid=status-Fulfilled]");

        cut.WaitForAssertion(() => Assert.Equal("This order is fulfilled and can no longer be changed.", Text(cut, "read-only-status")));
        Assert.True(cut.Input($"qty-{Desk}").HasAttribute("readonly"));
        Assert.Empty(cut.FindAll("[data-testid^=status-]"));
        Assert.Equal(OrderStatus.Fulfilled, (await Orders.GetAsync(order.Id))!.Values.Header.Status);
    }

    [Fact]
    public async Task Save_AfterARefusedSubmit_SavesTheOrderAsADraft()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);

        cut.Input("field-CustomerName").Input("");
        cut.ClickNow("[data-testid=status-Submitted]");
        cut.WaitForAssertion(() => Assert.Equal("Customer is required.", Text(cut, "order-error")));
        cut.Input("field-CustomerName").Input("Contoso Ltd");
        cut.ClickNow("[data-testid=save]");

        AssertVersionLine(cut, "Version 3 · last changed by Alice");
        Assert.Equal(new OrderHeader("Contoso Ltd", OrderStatus.Draft, ""), (await Orders.GetAsync(order.Id))!.Values.Header);
    }

    // ---- Live updates ----

    [Fact]
    public async Task WhenBobSavesAnotherLine_TheBannerOffersReview_MyQuantityStays_AndReviewMergesBothWithoutAConflict()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        cut.Input($"qty-{Desk}").Input("5");
        cut.WaitForAssertion(() => Assert.Equal("500.00", Text(cut, $"total-{Desk}")));

        var bobs = await SaveAsync(order, ChangeLine(order.Values, Chair, l => l with { UnitPrice = 30m }), Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForOrder(order.Id), bobs.Version, "Bob"));

        // The banner says what changed; the line I had not touched picks up Bob's price, and the total counts it.
        cut.WaitForAssertion(() => Assert.StartsWith($"Bob saved version {bobs.Version} (changed: {Chair}). Your edits are kept", Text(cut, "remote-banner"), StringComparison.Ordinal));
        Assert.Equal("5", cut.Input($"qty-{Desk}").GetAttribute("value"));
        Assert.Equal("30.00", cut.Input($"price-{Chair}").GetAttribute("value"));
        Assert.Equal("Total: 620.00", Text(cut, "order-total"));
        Assert.Contains($"Fields you have not changed show version {bobs.Version}, saved by Bob; your changes are still based on version {order.Version}.", Text(cut, "version-line"), StringComparison.Ordinal);

        // Review merges before any save: my quantity, Bob's price; nothing to decide, so a banner, not a dialog.
        cut.ClickNow("[data-testid=review]");
        cut.WaitForAssertion(() => Assert.Equal($"Merged Bob's change to {Chair} with yours — Save to keep both.", Text(cut, "merge-banner")));
        cut.WaitForSaveEnabled();
        Assert.Empty(cut.FindAll(".mud-dialog"));
        Assert.Equal("5", cut.Input($"qty-{Desk}").GetAttribute("value"));
        Assert.Equal("30.00", cut.Input($"price-{Chair}").GetAttribute("value"));
        Assert.Equal("Total: 620.00", Text(cut, "order-total"));
        cut.ClickNow("[data-testid=save]");

        AssertVersionLine(cut, $"Version {bobs.Version + 1} · last changed by Alice");
        Assert.Empty(cut.FindAll("[data-testid=remote-banner]"));
        Assert.Equal("30.00", cut.Input($"price-{Chair}").GetAttribute("value"));
        var saved = (await Orders.GetAsync(order.Id))!;
        Assert.Equal((5, 30m), (LineOf(saved, Desk).Quantity, LineOf(saved, Chair).UnitPrice));
    }

    [Fact]
    public async Task WhenBobSavesTheSameQuantity_TheBannerOffersReview_AndReviewShowsTheConflict()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);
        cut.Input($"qty-{Desk}").Input("5");
        cut.WaitForAssertion(() => Assert.Equal("500.00", Text(cut, $"total-{Desk}")));

        var bobs = await SaveAsync(order, ChangeLine(order.Values, Desk, l => l with { Quantity = 3 }), Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForOrder(order.Id), bobs.Version, "Bob"));

        cut.WaitForAssertion(() => Assert.StartsWith($"Bob saved version 3 (changed: {Desk}). Your edits are kept", Text(cut, "remote-banner"), StringComparison.Ordinal));
        Assert.Equal("5", cut.Input($"qty-{Desk}").GetAttribute("value"));

        cut.ClickNow("[data-testid=review]");
        cut.WaitForAssertion(() => Assert.Equal(Desk, Assert.Single(cut.FindAll("tr.merge-conflict")).GetAttribute("data-line")));
    }

    [Fact]
    public async Task WhenBobSavesAndIHaveNoEdits_ThePageShowsHisVersion()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderOrder(order.Id);

        var bobs = await SaveAsync(order, ChangeLine(order.Values, Desk, l => l with { Quantity = 9 }), Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForOrder(order.Id), bobs.Version, "Bob"));

        cut.WaitForAssertion(() => Assert.Equal($"Bob saved version 3 (changed: {Desk}).", Text(cut, "remote-banner")));
        Assert.Equal("9", cut.Input($"qty-{Desk}").GetAttribute("value"));
        Assert.Contains("Version 3 · last changed by Bob", Text(cut, "version-line"), StringComparison.Ordinal);
    }

    // ---- Orders list ----

    [Fact]
    public async Task OrdersList_ShowsNumberCustomerStatusLineCountAndTotal_AndALockBadgeForACheckedOutOrder()
    {
        var contoso = await CreateOrderWithTwoLinesAsync("Contoso");
        var fabrikam = await CreateEmptyOrderAsync("Fabrikam");
        Assert.IsType<AcquireResult.Granted>(await Leases.AcquireAsync(ResourceKey.ForOrder(contoso.Id), Bob, "tab"));

        var cut = RenderWithProviders<OrderList>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=order-link]").Count));
        var rows = cut.FindAll("[data-testid=order-grid] tbody tr").Where(r => r.QuerySelector("[data-testid=order-link]") is not null).ToList();
        var first = rows[0].QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToList();
        var second = rows[1].QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToList();

        Assert.Equal(contoso.Number, rows[0].QuerySelector("[data-testid=order-link]")!.TextContent.Trim());
        Assert.Equal($"/orders/{contoso.Id}", rows[0].QuerySelector("[data-testid=order-link]")!.GetAttribute("href"));
        Assert.Equal("Bob", rows[0].QuerySelector("[data-testid=lock-badge]")!.TextContent.Trim());
        Assert.Equal(["Contoso", "Draft", "2", "302.00", "2"], first.Skip(1).Take(5));

        Assert.Equal(fabrikam.Number, rows[1].QuerySelector("[data-testid=order-link]")!.TextContent.Trim());
        Assert.Null(rows[1].QuerySelector("[data-testid=lock-badge]"));
        Assert.Equal(["Fabrikam", "Draft", "0", "0.00", "1"], second.Skip(1).Take(5));
        // An order is cancelled in its editor: the list shell gives it no delete button.
        Assert.Empty(cut.FindAll("[data-testid^=delete-]"));
        Assert.Equal("/orders/new", cut.Find("[data-testid=new-order]").GetAttribute("href"));
    }

    /// <summary>
    /// Found in the review of the list shell: the Status column was a template column, whose sort key
    /// MudBlazor names with a random Guid, so the store fell back to sorting by number.
    /// </summary>
    [Fact]
    public async Task OrdersList_SortsByStatus_WhenItsHeaderIsClicked_AndByNumberDescending_OnTheKeyColumnTwice()
    {
        var first = await CreateOrderWithTwoLinesAsync("A");
        var submitted = await SaveAsync(first, first.Values.WithHeader(first.Values.Header with { Status = OrderStatus.Submitted }), Bob);
        var draft = await CreateOrderWithTwoLinesAsync("B");
        var third = await CreateOrderWithTwoLinesAsync("C");
        var cancelled = await SaveAsync(third, third.Values.WithHeader(third.Values.Header with { Status = OrderStatus.Cancelled }), Bob);

        var cut = RenderWithProviders<OrderList>();
        cut.WaitForAssertion(() => Assert.Equal([submitted.Number, draft.Number, cancelled.Number], Numbers(cut)));

        await SortByAsync(cut, "Status");
        // The status is stored as its name: the database orders the names.
        cut.WaitForAssertion(() => Assert.Equal([cancelled.Number, draft.Number, submitted.Number], Numbers(cut)));

        await SortByAsync(cut, "Number");
        await SortByAsync(cut, "Number");
        cut.WaitForAssertion(() => Assert.Equal([cancelled.Number, draft.Number, submitted.Number], Numbers(cut)));
        await SortByAsync(cut, "Customer");
        cut.WaitForAssertion(() => Assert.Equal([submitted.Number, draft.Number, cancelled.Number], Numbers(cut)));
    }

    private static List<string> Numbers(IRenderedComponent<IComponent> cut) =>
        [.. cut.FindAll("[data-testid=order-grid] [data-testid=order-link]").Select(a => a.TextContent.Trim())];

    private static Task SortByAsync(IRenderedComponent<IComponent> cut, string title) =>
        cut.FindAll("[data-testid=order-grid] th").Single(th => th.QuerySelector(".column-header")?.TextContent.Trim().StartsWith(title, StringComparison.Ordinal) == true)
            .QuerySelector("button.sort-direction-icon")!.ClickAsync(new());

    [Fact]
    public async Task OrdersList_ShowsTheLockBadgeWhenBobChecksOut_WithoutReload()
    {
        var order = await CreateOrderWithTwoLinesAsync();
        var cut = RenderWithProviders<OrderList>();
        cut.WaitForAssertion(() => Assert.Equal(order.Number, cut.Find("[data-testid=order-link]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=lock-badge]"));

        var lease = Assert.IsType<AcquireResult.Granted>(await Leases.AcquireAsync(ResourceKey.ForOrder(order.Id), Bob, "tab")).Lease;
        Feed.Publish(new ChangeEvent(ChangeKind.LeaseGranted, ResourceKey.ForOrder(order.Id), lease.Fencing, "Bob"));

        cut.WaitForAssertion(() => Assert.Equal("Bob", cut.Find("[data-testid=lock-badge]").TextContent.Trim()));
    }
}

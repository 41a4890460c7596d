using AngleSharp.Dom;
using Bunit;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Customers;
using CollabEditor.Core.Records;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Customers;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Orders;
using CollabEditor.WebApp.Products;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.WebApp.Tests;

/// <summary>The History panel on the product and order editors: versions newest first with their diffs, lease events, Restore.</summary>
public sealed class HistoryPanelTests : MudTestContext
{
    private static readonly Actor Bob = new("bob-id", "Bob");
    private ProductSnapshot _product = default!;

    private ProductStore Products => Services.GetRequiredService<ProductStore>();

    private OrderStore Orders => Services.GetRequiredService<OrderStore>();

    private LeaseStore Leases => Services.GetRequiredService<LeaseStore>();

    private ChangeFeed Feed => Services.GetRequiredService<ChangeFeed>();

    private string Key => ResourceKey.ForProduct(_product.Id);

    /// <summary>A product at version 3, saved by Bob: stock 10 → 5 (v2), price 100.00 → 90.00 (v3).</summary>
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var v1 = Saved(await Products.CreateAsync(new ProductValues("OAK-DES-001", "Oak desk", "A desk.", 100m, 10, false), Bob));
        var v2 = Saved(await Products.UpdateAsync(v1.Id, 1, v1.Values with { Stock = 5 }, Bob));
        _product = Saved(await Products.UpdateAsync(v1.Id, 2, v2.Values with { Price = 90m }, Bob));
    }

    private static ProductSnapshot Saved(SaveResult result) => Assert.IsType<SaveResult.Saved>(result).Current;

    private static OrderSnapshot Saved(OrderSaveResult result) => Assert.IsType<OrderSaveResult.Saved>(result).Current;

    private IRenderedComponent<IComponent> RenderPage<TPage>(int id)
        where TPage : IComponent
    {
        RenderFragment page = b =>
        {
            b.OpenComponent<TPage>(2);
            b.AddAttribute(3, "Id", id);
            b.CloseComponent();
        };
        var cut = Render(page);
        cut.WaitForElement("[data-testid=save]");
        return cut;
    }

    /// <summary>Opens the History panel (collapsed panels render nothing, so nothing is loaded until asked).</summary>
    private static void OpenHistory(IRenderedComponent<IComponent> cut, int newest)
    {
        cut.ClickNow("[data-testid=history-panel] .mud-expand-panel-header");
        cut.WaitForElement($"[data-testid=history-entry-{newest}]");
    }

    private static List<string> Entries(IRenderedComponent<IComponent> cut) =>
        [.. cut.FindAll("[data-testid=history] [data-testid^=history-entry-]").Select(e => e.GetAttribute("data-testid")!)];

    private static IElement Restore(IRenderedComponent<IComponent> cut, int version) => cut.Find($"[data-testid=restore-{version}]");

    [Fact]
    public async Task Panel_ForACustomerKey_ShowsItsVersions_WithTheChangedFields()
    {
        var customers = Services.GetRequiredService<CustomerStore>();
        var v1 = Assert.IsType<SaveResult<CustomerSnapshot>.Saved>(await customers.CreateAsync(new CustomerValues("Acme Ltd", "", "020 7946 0000", "", ""), Bob)).Current;
        Assert.IsType<SaveResult<CustomerSnapshot>.Saved>(await customers.UpdateAsync(v1.Id, 1, v1.Values with { Email = "buyer@acme.example", Phone = "020 7946 0001" }, Bob));

        var cut = Render<CollabEditor.WebApp.History.HistoryPanel>(p => p
            .Add(x => x.ResourceKey, ResourceKey.ForCustomer(v1.Id))
            .Add(x => x.Version, 2));

        cut.WaitForElement("[data-testid=history-entry-2]");
        Assert.Equal(["history-entry-2", "history-entry-1"], cut.FindAll("[data-testid^=history-entry-]").Select(e => e.GetAttribute("data-testid")!));
        var fields = cut.FindAll("[data-testid=history-entry-2] tr[data-field]");
        Assert.Equal(["Email", "Phone"], fields.Select(f => f.GetAttribute("data-field")!));
        Assert.Contains("buyer@acme.example", fields[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("020 7946 0001", fields[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("Created.", cut.Find("[data-testid=history-entry-1]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void ProductEdit_ShowsTheHistory_NewestFirst_WithWhoAndWhatChanged()
    {
        var cut = RenderPage<ProductEdit>(_product.Id);
        Assert.Empty(cut.FindAll("[data-testid=history]"));

        OpenHistory(cut, 3);

        Assert.Equal(["history-entry-3", "history-entry-2", "history-entry-1"], Entries(cut));
        var v3 = cut.Find("[data-testid=history-entry-3]");
        Assert.Contains("Bob", v3.QuerySelector("[data-testid=history-who]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("Current", v3.TextContent, StringComparison.Ordinal);
        var price = v3.QuerySelector("tr[data-field=Price]")!;
        Assert.Equal("100.00", price.QuerySelector(".history-old")!.TextContent.Trim());
        Assert.Equal("90.00", price.QuerySelector(".history-new")!.TextContent.Trim());
        Assert.Equal(["Stock"], cut.Find("[data-testid=history-entry-2]").QuerySelectorAll("tr[data-field]").Select(r => r.GetAttribute("data-field")));
        Assert.Contains("Created.", cut.Find("[data-testid=history-entry-1]").TextContent, StringComparison.Ordinal);
        // The current version is not offered for restore; the older ones are.
        Assert.Empty(cut.FindAll("[data-testid=restore-3]"));
        Assert.False(Restore(cut, 2).HasAttribute("disabled"));
        Assert.False(Restore(cut, 1).HasAttribute("disabled"));
    }

    /// <summary>A deep history is read a page at a time: the newest 50, then "Show older"; a new version keeps what is shown, with no gap.</summary>
    [Fact]
    public async Task ADeepHistory_ShowsTheNewestPage_AndShowOlder_ReadsOnWithoutAGap()
    {
        var current = _product;
        for (var stock = 100; stock < 217; stock++)
        {
            current = Saved(await Products.UpdateAsync(current.Id, current.Version, current.Values with { Stock = stock }, Bob));
        }

        Assert.Equal(120, current.Version);
        var cut = RenderPage<ProductEdit>(_product.Id);
        OpenHistory(cut, 120);
        Assert.Equal(Enumerable.Range(71, 50).Reverse().Select(v => $"history-entry-{v}"), Entries(cut));

        cut.ClickNow("[data-testid=history-more]");
        cut.WaitForAssertion(() => Assert.Equal(100, Entries(cut).Count));

        // Someone saves meanwhile: the new version goes on top, the 100 shown stay, none is skipped.
        var newer = Saved(await Products.UpdateAsync(current.Id, current.Version, current.Values with { Stock = 1 }, Bob));
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, Key, newer.Version, "Bob"));
        cut.WaitForElement("[data-testid=history-entry-121]", TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() =>
        {
            var shown = Entries(cut);
            Assert.Equal(Enumerable.Range(121 - shown.Count + 1, shown.Count).Reverse().Select(v => $"history-entry-{v}"), shown);
            Assert.Contains("history-entry-21", shown);
        });

        cut.ClickNow("[data-testid=history-more]");
        cut.WaitForAssertion(() => Assert.Equal(Enumerable.Range(1, 121).Reverse().Select(v => $"history-entry-{v}"), Entries(cut)));
        Assert.Empty(cut.FindAll("[data-testid=history-more]"));
    }

    [Fact]
    public async Task Restore_SavesThatVersionsValues_AsTheNextVersion()
    {
        var cut = RenderPage<ProductEdit>(_product.Id);
        OpenHistory(cut, 3);

        Restore(cut, 1).Click();

        cut.WaitForAssertion(() => Assert.Contains("Version 4", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        var current = (await Products.GetAsync(_product.Id))!;
        Assert.Equal((4, "Alice"), (current.Version, current.LastChangedBy));
        Assert.Equal((100m, 10), (current.Values.Price, current.Values.Stock));
        Assert.Equal("10", cut.Input("field-Stock").GetAttribute("value"));
        cut.WaitForAssertion(() => Assert.Equal(["history-entry-4", "history-entry-3", "history-entry-2", "history-entry-1"], Entries(cut)));
        var v4 = cut.Find("[data-testid=history-entry-4]");
        Assert.Contains("Alice", v4.TextContent, StringComparison.Ordinal);
        Assert.Equal(["Price", "Stock"], v4.QuerySelectorAll("tr[data-field]").Select(r => r.GetAttribute("data-field")));
        Assert.NotNull(Restore(cut, 3));
    }

    [Fact]
    public async Task Restore_WhenSomeoneSavedMeanwhile_MergesOnThePageWithTheBanner_AndSavesNothingYet()
    {
        var cut = RenderPage<ProductEdit>(_product.Id);
        OpenHistory(cut, 3);
        // Bob saves behind the page's back (no change event reaches it in this test).
        Saved(await Products.UpdateAsync(_product.Id, 3, _product.Values with { Name = "Bob's desk" }, Bob));

        Restore(cut, 1).Click();

        // Bob's name and the restored price and stock do not overlap: no dialog, the merge waits for Save.
        cut.WaitForAssertion(() => Assert.Contains("Merged Bob's change to Name with yours — Save to keep both.", cut.Find("[data-testid=merge-banner]").TextContent, StringComparison.Ordinal));
        cut.WaitForSaveEnabled();
        Assert.Empty(cut.FindAll("[data-testid=conflict-dialog]"));
        Assert.Equal("Bob's desk", cut.Input("field-Name").GetAttribute("value"));
        Assert.Equal("100.00", cut.Input("field-Price").GetAttribute("value"));
        Assert.Equal(4, (await Products.GetAsync(_product.Id))!.Version);
    }

    [Fact]
    public async Task Restore_WhenSomeoneChangedTheSameFieldMeanwhile_GoesThroughTheConflictDialog()
    {
        var cut = RenderPage<ProductEdit>(_product.Id);
        OpenHistory(cut, 3);
        Saved(await Products.UpdateAsync(_product.Id, 3, _product.Values with { Price = 95m }, Bob));

        Restore(cut, 1).Click();

        cut.WaitForAssertion(() => Assert.Contains("Bob saved version 4 while you were editing", cut.Markup, StringComparison.Ordinal));
        Assert.Equal("Price", cut.Find("tr.merge-conflict").GetAttribute("data-field"));
        Assert.Equal(4, (await Products.GetAsync(_product.Id))!.Version);
    }

    [Fact]
    public async Task Restore_IsDisabled_WhileSomeoneElseHasTheProductCheckedOut_AndTheirCheckOutIsInTheTimeline()
    {
        var cut = RenderPage<ProductEdit>(_product.Id);
        OpenHistory(cut, 3);
        var bobs = Assert.IsType<AcquireResult.Granted>(await Leases.AcquireAsync(Key, Bob, "bobs-tab")).Lease;

        Feed.Publish(new ChangeEvent(ChangeKind.LeaseGranted, Key, bobs.Fencing, "Bob"));

        cut.WaitForAssertion(() => Assert.Contains("Bob checked it out", cut.Find("[data-testid=history-lease]").TextContent, StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.True(Restore(cut, 1).HasAttribute("disabled")));
        Assert.Equal("history-lease", cut.Find("[data-testid=history] [data-testid^=history-]:not([data-testid=history-who])").GetAttribute("data-testid"));
    }

    [Fact]
    public void Restore_IsDisabled_WhileThePageHasUnsavedEdits()
    {
        var cut = RenderPage<ProductEdit>(_product.Id);
        OpenHistory(cut, 3);

        cut.Input("field-Stock").Input("77");

        cut.WaitForAssertion(() => Assert.True(Restore(cut, 1).HasAttribute("disabled")));
        Assert.NotNull(cut.Find("[data-testid=restore-blocked]"));
    }

    [Fact]
    public async Task OrderEdit_ShowsLineDiffs_AndRestoreBringsBackHeaderAndLines()
    {
        var created = Saved(await Orders.CreateAsync(new OrderHeader("Contoso", OrderStatus.Draft, ""), Bob));
        var v2 = Saved(await Orders.SaveAsync(created.Id, 1, created.Values.AddLine(_product.Id, "OAK-DES-001", "Oak desk", 2, 90m).AddLine(_product.Id, "OAK-DES-001X", "Oak desk XL", 1, 150m), Bob));
        var desk = v2.Values.Lines[0];
        Saved(await Orders.SaveAsync(created.Id, 2, v2.Values.WithLine(desk with { Quantity = 5 }).RemoveLine(v2.Values.Lines[1].LineId), Bob));
        var cut = RenderPage<OrderEdit>(created.Id);

        OpenHistory(cut, 3);

        Assert.Equal(["history-entry-3", "history-entry-2", "history-entry-1"], Entries(cut));
        var lines = cut.Find("[data-testid=history-entry-3]").QuerySelectorAll("[data-testid=history-line]").Select(l => l.TextContent.Trim()).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains("quantity 2 → 5", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("Removed OAK-DES-001X", lines[1], StringComparison.Ordinal);
        Assert.All(cut.Find("[data-testid=history-entry-2]").QuerySelectorAll("[data-testid=history-line]"), l => Assert.StartsWith("Added", l.TextContent.Trim(), StringComparison.Ordinal));

        Restore(cut, 2).Click();

        cut.WaitForAssertion(() => Assert.Contains("Version 4", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        var current = (await Orders.GetAsync(created.Id))!;
        Assert.Equal(4, current.Version);
        Assert.True(current.Values.SameAs(v2.Values));
        cut.WaitForElement("[data-testid=history-entry-4]");
    }
}

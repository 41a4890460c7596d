using Bunit;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Presence;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Presence;
using CollabEditor.WebApp.Products;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.WebApp.Tests;

/// <summary>Pages react to the change feed. Events are published the way the listener does after a commit.</summary>
public sealed class LiveUpdateTests : MudTestContext
{
    private static readonly Actor Bob = new("bob-id", "Bob");
    private ProductSnapshot _product = default!;

    private ProductStore Store => Services.GetRequiredService<ProductStore>();

    private ChangeFeed Feed => Services.GetRequiredService<ChangeFeed>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _product = Assert.IsType<SaveResult.Saved>(await Store.CreateAsync(new ProductValues("OAK-DES-001", "Oak desk", "A desk.", 100m, 10, false), Bob)).Current;
    }

    private IRenderedComponent<IComponent> RenderWithProviders<T>(Action<RenderTreeBuilderParameters>? parameters = null)
        where T : IComponent
    {
        RenderFragment page = b =>
        {
            b.OpenComponent<T>(2);
            parameters?.Invoke(new RenderTreeBuilderParameters(b));
            b.CloseComponent();
        };
        return Render(page);
    }

    /// <summary>Adds attributes to the component being rendered.</summary>
    public sealed class RenderTreeBuilderParameters(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
    {
        public void Add(string name, object? value) => builder.AddAttribute(3, name, value);
    }

    [Fact]
    public async Task ProductList_UpdatesFromAFeedEvent_WithoutReload()
    {
        var cut = RenderWithProviders<ProductList>();
        cut.WaitForAssertion(() => Assert.Contains("OAK-DES-001", cut.Markup, StringComparison.Ordinal));

        var created = Assert.IsType<SaveResult.Saved>(await Store.CreateAsync(new ProductValues("NEW-1", "Brand new", "", 1m, 1, false), Bob)).Current;
        await Store.UpdateAsync(_product.Id, 1, _product.Values with { Name = "Oak desk, renamed" }, Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.Created, ResourceKey.ForProduct(created.Id), 1, "Bob"));
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForProduct(_product.Id), 2, "Bob"));

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("NEW-1", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("Oak desk, renamed", cut.Markup, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task EditPage_WhenBobSaves_ShowsTheBanner_KeepsTypedValues_AndPicksUpUntouchedFields()
    {
        var cut = RenderWithProviders<ProductEdit>(p => p.Add(nameof(ProductEdit.Id), _product.Id));
        cut.WaitForElement("[data-testid=save]");
        cut.Input("field-Name").Input("Alice's desk");

        await Store.UpdateAsync(_product.Id, 1, _product.Values with { Price = 80m, Stock = 4 }, Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForProduct(_product.Id), 2, "Bob"));

        cut.WaitForAssertion(() => Assert.Contains("Bob saved version 2 (changed: Price, Stock)", cut.Find("[data-testid=remote-banner]").TextContent, StringComparison.Ordinal));
        Assert.Equal("Alice's desk", cut.Input("field-Name").GetAttribute("value"));
        Assert.Equal("80.00", cut.Input("field-Price").GetAttribute("value"));
        Assert.Equal("4", cut.Input("field-Stock").GetAttribute("value"));

        // Review merges before Save; nothing to decide, so no dialog: my name, their price and stock, and one banner.
        cut.ClickNow("[data-testid=review]");
        cut.WaitForAssertion(() => Assert.Contains("Merged Bob's changes to Price, Stock with yours — Save to keep both.", cut.Find("[data-testid=merge-banner]").TextContent, StringComparison.Ordinal));
        cut.WaitForSaveEnabled();
        Assert.Empty(cut.FindAll("[data-testid=conflict-dialog]"));
        Assert.Empty(cut.FindAll("[data-testid=remote-banner]"));
        Assert.Equal("Alice's desk", cut.Input("field-Name").GetAttribute("value"));
        Assert.Equal("80.00", cut.Input("field-Price").GetAttribute("value"));
        Assert.Equal(2, (await Store.GetAsync(_product.Id))!.Version);
        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("Version 3 · last changed by Alice", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        Assert.Equal(_product.Values with { Name = "Alice's desk", Price = 80m, Stock = 4 }, (await Store.GetAsync(_product.Id))!.Values);
        Assert.Empty(cut.FindAll("[data-testid=remote-banner]"));
    }

    [Fact]
    public async Task EditPage_AFieldPickedUpFromBob_IsNotAConflictWhenBobChangesItAgain()
    {
        var cut = RenderWithProviders<ProductEdit>(p => p.Add(nameof(ProductEdit.Id), _product.Id));
        cut.WaitForElement("[data-testid=save]");
        cut.Input("field-Name").Input("Alice's desk");

        await Store.UpdateAsync(_product.Id, 1, _product.Values with { Stock = 4 }, Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForProduct(_product.Id), 2, "Bob"));
        cut.WaitForAssertion(() => Assert.Equal("4", cut.Input("field-Stock").GetAttribute("value")));
        await Store.UpdateAsync(_product.Id, 2, _product.Values with { Stock = 5 }, Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForProduct(_product.Id), 3, "Bob"));
        cut.WaitForAssertion(() => Assert.Equal("5", cut.Input("field-Stock").GetAttribute("value")));

        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("Merged Bob's change to Stock with yours", cut.Find("[data-testid=merge-banner]").TextContent, StringComparison.Ordinal));
        cut.WaitForSaveEnabled();
        Assert.Empty(cut.FindAll("[data-testid=conflict-dialog]"));
        Assert.Equal("5", cut.Input("field-Stock").GetAttribute("value"));

        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("Version 4 · last changed by Alice", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        Assert.Equal(_product.Values with { Name = "Alice's desk", Stock = 5 }, (await Store.GetAsync(_product.Id))!.Values);
    }

    [Fact]
    public async Task EditPage_TypingAPickedUpValueBackToTheOldOne_IsMyChange_AndIsSaved()
    {
        var cut = RenderWithProviders<ProductEdit>(p => p.Add(nameof(ProductEdit.Id), _product.Id));
        cut.WaitForElement("[data-testid=save]");
        var original = _product.Values.Stock.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // Alice renames; Bob changes the stock; her untouched Stock picks it up, then she types the old stock back, on purpose.
        cut.Input("field-Name").Input("Alice's desk");
        await Store.UpdateAsync(_product.Id, 1, _product.Values with { Stock = _product.Values.Stock + 7 }, Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForProduct(_product.Id), 2, "Bob"));
        cut.WaitForAssertion(() => Assert.Equal((_product.Values.Stock + 7).ToString(System.Globalization.CultureInfo.InvariantCulture), cut.Input("field-Stock").GetAttribute("value")));
        cut.Input("field-Stock").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "1" });
        cut.Input("field-Stock").Input(original);

        // Her stock is her change, not "unchanged": it stays in the form and the next Save stores it.
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=merge-banner]")));
        cut.WaitForSaveEnabled();
        Assert.Equal(original, cut.Input("field-Stock").GetAttribute("value"));
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("Version 3 · last changed by Alice", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        Assert.Equal(_product.Values with { Name = "Alice's desk" }, (await Store.GetAsync(_product.Id))!.Values);
    }

    [Fact]
    public async Task Review_WithAPriceThatIsNotANumber_NamesTheField_AndMergesNothing()
    {
        var cut = RenderWithProviders<ProductEdit>(p => p.Add(nameof(ProductEdit.Id), _product.Id));
        cut.WaitForElement("[data-testid=save]");
        cut.Input("field-Name").Input("Alice's desk");
        cut.Input("field-Price").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "x" });
        cut.Input("field-Price").Input("12,5x");

        await Store.UpdateAsync(_product.Id, 1, _product.Values with { Price = 120m }, Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForProduct(_product.Id), 2, "Bob"));
        cut.WaitForElement("[data-testid=review]");
        cut.ClickNow("[data-testid=review]");

        // The box's 0 never enters a merge as mine: no dialog, no banner with a merged 0, the field named.
        cut.WaitForAssertion(() => Assert.Contains("Price must be a number.", cut.Markup, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=conflict-dialog]"));
        Assert.Empty(cut.FindAll("[data-testid=merge-banner]"));
        Assert.Equal("12,5x", cut.Input("field-Price").GetAttribute("value"));
    }

    [Fact]
    public async Task ConflictDialog_ShowsAFieldPickedUpFromBob_AsBobsValue_NotAsMine()
    {
        var cut = RenderWithProviders<ProductEdit>(p => p.Add(nameof(ProductEdit.Id), _product.Id));
        cut.WaitForElement("[data-testid=save]");
        cut.Input("field-Name").Input("Alice's desk");

        await Store.UpdateAsync(_product.Id, 1, _product.Values with { Stock = 4 }, Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForProduct(_product.Id), 2, "Bob"));
        cut.WaitForAssertion(() => Assert.Equal("4", cut.Input("field-Stock").GetAttribute("value")));
        // Bob renames it too (not heard yet): my save meets a real conflict on the name.
        await Store.UpdateAsync(_product.Id, 2, _product.Values with { Name = "Bob's desk", Stock = 4 }, Bob);
        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Equal("Name", cut.Find("tr.merge-conflict").GetAttribute("data-field")));
        // "Yours" is what my form showed (4, picked up), labelled as Bob's, not the 10 I started from.
        Assert.Equal("4", cut.Find("tr[data-field=Stock] td[data-col=mine] .merge-short").TextContent);
        Assert.Contains("Bob's value, shown while you edited — not your change", cut.Find("[data-testid=picked-up-Stock]").TextContent, StringComparison.Ordinal);
        Assert.Equal("theirs", cut.Find("[data-testid=outcome-Stock]").TextContent.Trim());
    }

    [Fact]
    public async Task EditPage_WhenBobDeletesTheProduct_SaysSo_AndKeepsTheForm()
    {
        var cut = RenderWithProviders<ProductEdit>(p => p.Add(nameof(ProductEdit.Id), _product.Id));
        cut.WaitForElement("[data-testid=save]");
        cut.Input("field-Name").Input("Still mine");

        await Store.DeleteAsync(_product.Id, 1, Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.Deleted, ResourceKey.ForProduct(_product.Id), 1, "Bob"));

        cut.WaitForAssertion(() => Assert.Contains("Bob deleted this product", cut.Find("[data-testid=remote-banner]").TextContent, StringComparison.Ordinal));
        Assert.Equal("Still mine", cut.Input("field-Name").GetAttribute("value"));
    }

    [Fact]
    public async Task PresenceBar_ShowsWhoElseIsHere_AndUpdates()
    {
        var key = ResourceKey.ForProduct(_product.Id);
        var cut = RenderWithProviders<PresenceBar>(p => p.Add(nameof(PresenceBar.ResourceKey), key));
        var presence = Services.GetRequiredService<PresenceStore>();
        await WaitUntilAsync(async () => (await presence.ListAsync(key)).Count == 1);
        Assert.Empty(cut.FindAll("[data-testid=presence]"));

        var bobsPage = Guid.NewGuid();
        await presence.HeartbeatAsync(bobsPage, key, Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.Presence, key, 0, "Bob"));
        cut.WaitForAssertion(() => Assert.Contains("Also here:", cut.Find("[data-testid=presence]").TextContent, StringComparison.Ordinal));
        Assert.Contains("Bob", cut.Find("[data-testid=presence]").TextContent, StringComparison.Ordinal);

        await presence.LeaveAsync([bobsPage]);
        Feed.Publish(new ChangeEvent(ChangeKind.Presence, key, 0, "Bob"));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=presence]")));
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

using CollabEditor.Tests;
using Bunit;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Products;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.WebApp.Tests;

public sealed class ProductEditTests : MudTestContext
{
    private static readonly Actor Bob = new("bob-id", "Bob");
    private ProductSnapshot _product = default!;

    private ProductStore Store => Services.GetRequiredService<ProductStore>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var created = await Store.CreateAsync(new ProductValues("OAK-DES-001", "Oak desk", "A desk.", 100m, 10, false), Bob);
        _product = Assert.IsType<SaveResult.Saved>(created).Current;
    }

    private IRenderedComponent<IComponent> RenderPage(int? id)
    {
        RenderFragment page = b =>
        {
            b.OpenComponent<ProductEdit>(2);
            if (id is not null)
            {
                b.AddAttribute(3, nameof(ProductEdit.Id), id);
            }

            b.CloseComponent();
        };
        var cut = Render(page);
        cut.WaitForElement("[data-testid=save]");
        return cut;
    }

    [Fact]
    public async Task TypingOn_WhileASaveIsOnItsWay_KeepsTheKeystrokes_AsUnsavedEdits()
    {
        var cut = RenderPage(_product.Id);
        cut.Input("field-Name").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "A" });
        cut.Input("field-Name").Input("Oak desk A");

        // Another session holds the row, so the save's UPDATE waits (a slow link or a retried commit, made certain).
        await using var tx = await TestPostgres.HoldRowLockAsync(ConnectionString, "products", _product.Id);

        var saving = cut.InvokeAsync(() => cut.Find("form").SubmitAsync());
        await TestPostgres.WaitForALockWaitAsync(ConnectionString);
        cut.Input("field-Name").Input("Oak desk AB");
        await tx.RollbackAsync();
        await saving;

        cut.WaitForAssertion(() => Assert.Contains("Version 2 · last changed by Alice", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        Assert.Equal("Oak desk A", (await Store.GetAsync(_product.Id))!.Values.Name);
        Assert.Equal("Oak desk AB", cut.Input("field-Name").GetAttribute("value"));

        // Still an edit: the next save stores it.
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("Version 3 · last changed by Alice", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        Assert.Equal("Oak desk AB", (await Store.GetAsync(_product.Id))!.Values.Name);
    }

    [Fact]
    public void EditPage_ShowsTheSavedValuesAndVersion()
    {
        var cut = RenderPage(_product.Id);
        Assert.Equal("Oak desk", cut.Input("field-Name").GetAttribute("value"));
        Assert.Contains("Version 1 · last changed by Bob", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WithInvalidValues_ShowsMessagesOnTheFields_AndSavesNothing()
    {
        var cut = RenderPage(_product.Id);

        cut.Input("field-Name").Input("");
        cut.Input("field-Price").Input("-3");
        cut.Find("form").Submit();

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Name is required.", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("Price must be 0 or more.", cut.Markup, StringComparison.Ordinal);
        });
        Assert.Equal(_product, await Store.GetAsync(_product.Id));
    }

    [Fact]
    public async Task Price_ThatIsNotANumber_NamesTheFieldAndRule_StaysAsTyped_AndSavesNothing()
    {
        var cut = RenderPage(_product.Id);

        // A key press first, as in a browser: MudBlazor keeps a focused box's text as typed.
        cut.Input("field-Price").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "1" });
        cut.Input("field-Price").Input("12,5x");
        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("Price must be a number.", cut.Markup, StringComparison.Ordinal));
        Assert.Equal("12,5x", cut.Input("field-Price").GetAttribute("value"));
        Assert.Equal("true", cut.Input("field-Price").GetAttribute("aria-invalid"));
        Assert.Equal(_product, await Store.GetAsync(_product.Id));

        // Fixing the text clears the message and the next save goes through.
        cut.Input("field-Price").Input("12.5");
        cut.WaitForAssertion(() => Assert.DoesNotContain("Price must be a number.", cut.Markup, StringComparison.Ordinal));
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("Version 2 · last changed by Alice", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        Assert.Equal(12.5m, (await Store.GetAsync(_product.Id))!.Values.Price);
    }

    [Fact]
    public void Price_KeepsTheTextAsTyped_AndShowsTwoDecimalsWhenLeft()
    {
        var cut = RenderPage(_product.Id);
        Assert.Equal("100.00", cut.Input("field-Price").GetAttribute("value"));

        // Mid-typing "12.3" must not turn into "12.30" under the cursor.
        // A key press first, as in a browser: MudBlazor keeps a focused box's text as typed.
        cut.Input("field-Price").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "1" });
        cut.Input("field-Price").Input("12.3");
        cut.WaitForAssertion(() => Assert.Equal("12.3", cut.Input("field-Price").GetAttribute("value")));

        cut.Input("field-Price").Blur();
        cut.WaitForAssertion(() => Assert.Equal("12.30", cut.Input("field-Price").GetAttribute("value")));
    }

    [Fact]
    public void RequiresCheckout_Checkbox_ChangesTheForm()
    {
        var cut = RenderPage(_product.Id);

        cut.Find("[data-testid=field-RequiresCheckout]").Change(true);

        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=field-RequiresCheckout]").HasAttribute("checked")));
        Assert.Contains("mud-checkbox-true", cut.Find("label.mud-checkbox span").ClassName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WithValidValues_SavesTheNextVersion()
    {
        var cut = RenderPage(_product.Id);
        cut.Input("field-Stock").Input("42");
        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("Version 2 · last changed by Alice", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        var saved = await Store.GetAsync(_product.Id);
        Assert.Equal(42, saved!.Values.Stock);
        Assert.Equal(2, saved.Version);
    }

    [Fact]
    public async Task Save_WhenVersionIsStale_OpensConflictDialog_AndKeepsTypedValues()
    {
        var cut = RenderPage(_product.Id);
        await Store.UpdateAsync(_product.Id, 1, _product.Values with { Name = "Bob's desk", Stock = 3 }, Bob);

        cut.Input("field-Name").Input("Alice's desk");
        cut.Input("field-Price").Input("120");
        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("Bob saved version 2 while you were editing", cut.Markup, StringComparison.Ordinal));
        Assert.Equal("Name", cut.Find("tr.merge-conflict").GetAttribute("data-field"));
        Assert.Equal("3", cut.Find("[data-testid=merged-Stock]").TextContent);
        Assert.Equal("120.00", cut.Find("[data-testid=merged-Price]").TextContent);

        cut.ClickNow("[data-testid=keep-editing]");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=conflict-dialog]")));
        Assert.Equal("Alice's desk", cut.Input("field-Name").GetAttribute("value"));
        Assert.Equal("Bob's desk", (await Store.GetAsync(_product.Id))!.Values.Name);
    }

    [Fact]
    public async Task Save_AfterResolvingTheConflict_SavesTheMergeAtTheNextVersion()
    {
        var cut = RenderPage(_product.Id);
        await Store.UpdateAsync(_product.Id, 1, _product.Values with { Name = "Bob's desk", Stock = 3 }, Bob);

        cut.Input("field-Name").Input("Alice's desk");
        cut.Input("field-Price").Input("120");
        cut.Find("form").Submit();
        cut.WaitForElement("[data-testid=choose-mine-Name]");
        cut.ClickNow("[data-testid=choose-mine-Name]");
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=save-merged]").HasAttribute("disabled")));
        cut.ClickNow("[data-testid=save-merged]");

        cut.WaitForAssertion(() => Assert.Contains("Version 3 · last changed by Alice", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        var saved = (await Store.GetAsync(_product.Id))!;
        Assert.Equal(_product.Values with { Name = "Alice's desk", Price = 120m, Stock = 3 }, saved.Values);
    }

    [Fact]
    public async Task Save_WhenBobChangedAnotherField_ShowsTheMergeInTheFormWithABanner_WithoutADialog_AndTheNextSaveStoresBoth()
    {
        var cut = RenderPage(_product.Id);
        await Store.UpdateAsync(_product.Id, 1, _product.Values with { Price = 80m }, Bob);

        cut.Input("field-Name").Input("Alice's desk");
        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("Merged Bob's change to Price with yours — Save to keep both.", cut.Find("[data-testid=merge-banner]").TextContent, StringComparison.Ordinal));
        cut.WaitForSaveEnabled();
        Assert.Empty(cut.FindAll("[data-testid=conflict-dialog]"));
        Assert.Equal("Alice's desk", cut.Input("field-Name").GetAttribute("value"));
        Assert.Equal("80.00", cut.Input("field-Price").GetAttribute("value"));
        // Shown, not saved: the form now stands on Bob's version 2.
        Assert.Contains("Version 2 · last changed by Bob", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal);
        Assert.Equal(_product.Values with { Price = 80m }, (await Store.GetAsync(_product.Id))!.Values);

        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("Version 3 · last changed by Alice", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        Assert.Equal(_product.Values with { Name = "Alice's desk", Price = 80m }, (await Store.GetAsync(_product.Id))!.Values);
        Assert.Empty(cut.FindAll("[data-testid=merge-banner]"));
    }

    [Fact]
    public async Task SaveMerged_WhenSomeoneSavedAgainMeanwhile_WithoutAConflict_ShowsThatMergeInTheForm_ForTheNextSave()
    {
        var cut = RenderPage(_product.Id);
        await Store.UpdateAsync(_product.Id, 1, _product.Values with { Name = "Bob's desk" }, Bob);

        cut.Input("field-Name").Input("Alice's desk");
        cut.Find("form").Submit();
        cut.WaitForElement("[data-testid=choose-mine-Name]");
        cut.ClickNow("[data-testid=choose-mine-Name]");
        // Bob saves again while the dialog is open: the merged save is stale too.
        await Store.UpdateAsync(_product.Id, 2, _product.Values with { Name = "Bob's desk", Stock = 1 }, Bob);
        cut.ClickNow("[data-testid=save-merged]");

        // Against version 2 the name is now only mine and the stock change only theirs: nothing to decide,
        // so no second dialog, but no silent save either: the merge waits in the form.
        cut.WaitForAssertion(() => Assert.Contains("Merged Bob's change to Stock with yours", cut.Find("[data-testid=merge-banner]").TextContent, StringComparison.Ordinal));
        cut.WaitForSaveEnabled();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=conflict-dialog]")));
        Assert.Equal("Alice's desk", cut.Input("field-Name").GetAttribute("value"));
        Assert.Equal("1", cut.Input("field-Stock").GetAttribute("value"));
        Assert.Equal(3, (await Store.GetAsync(_product.Id))!.Version);
        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("Version 4 · last changed by Alice", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        Assert.Equal(_product.Values with { Name = "Alice's desk", Stock = 1 }, (await Store.GetAsync(_product.Id))!.Values);
    }

    [Fact]
    public async Task Save_WhenTheProductWasDeleted_OffersToRecreateIt()
    {
        var cut = RenderPage(_product.Id);
        await Store.DeleteAsync(_product.Id, 1, Bob);

        cut.Input("field-Name").Input("Still wanted");
        cut.Find("form").Submit();
        cut.WaitForElement("[data-testid=recreate]");
        cut.ClickNow("[data-testid=recreate]");

        await WaitUntilAsync(async () => (await Store.ListAsync(new ProductQuery(Search: "OAK-DES-001"))).Items.Any(p => p.Values.Name == "Still wanted"));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}

using Bunit;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Drafts;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Products;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// The editor shell (WebApp/Editing) says the life-cycle right to a person: what the form is based on,
/// what it picked up, what a restored draft is. Through the product page, the shell's simplest form.
/// </summary>
public sealed class EditorShellTests : MudTestContext
{
    private static readonly Actor Seed = new("seed-id", "Seed");
    private static readonly Actor Bob = new("bob-id", "Bob");
    private ProductSnapshot _product = default!;

    private ProductStore Store => Services.GetRequiredService<ProductStore>();

    private ChangeFeed Feed => Services.GetRequiredService<ChangeFeed>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _product = Assert.IsType<SaveResult.Saved>(await Store.CreateAsync(new ProductValues("OAK-DES-001", "Oak desk", "A desk.", 100m, 10, false), Seed)).Current;
    }

    private IRenderedComponent<IComponent> RenderPage()
    {
        RenderFragment page = b =>
        {
            b.OpenComponent<ProductEdit>(0);
            b.AddAttribute(1, nameof(ProductEdit.Id), (int?)_product.Id);
            b.CloseComponent();
        };
        var cut = Render(page);
        cut.WaitForElement("[data-testid=save]");
        return cut;
    }

    private static string Text(IRenderedComponent<IComponent> cut, string testId) => cut.Find($"[data-testid={testId}]").TextContent.Trim();

    private async Task<ProductSnapshot> BobSavesAsync(ProductValues values)
    {
        var saved = Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(_product.Id, _product.Version, values, Bob)).Current;
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForProduct(_product.Id), saved.Version, "Bob"));
        return saved;
    }

    [Fact]
    public async Task LiveUpdate_WhileTyping_TheVersionLineSaysTheFieldsShowTheNewerVersion_AndTheHeadingFollows()
    {
        var cut = RenderPage();
        cut.Input("field-Stock").Input("3");

        await BobSavesAsync(_product.Values with { Name = "Walnut desk" });

        cut.WaitForAssertion(() => Assert.Equal("Walnut desk", cut.Input("field-Name").GetAttribute("value")));
        var line = Text(cut, "version-line");
        Assert.Contains("Version 1 · last changed by Seed", line, StringComparison.Ordinal);
        Assert.Contains("Fields you have not changed show version 2, saved by Bob; your changes are still based on version 1.", line, StringComparison.Ordinal);
        Assert.Equal("Walnut desk", cut.Find("h1").TextContent.Trim());
        Assert.Equal("3", cut.Input("field-Stock").GetAttribute("value"));
    }

    [Fact]
    public async Task LiveUpdate_WithoutEdits_TheVersionLineIsTheNewVersion()
    {
        var cut = RenderPage();

        await BobSavesAsync(_product.Values with { Name = "Walnut desk" });

        cut.WaitForAssertion(() => Assert.Contains("Version 2 · last changed by Bob", Text(cut, "version-line"), StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=picked-up]"));
        Assert.Equal("Walnut desk", cut.Find("h1").TextContent.Trim());
    }

    /// <summary>Found by an outside try: Save with nothing changed said "Saved version 2." of Bob's version, and nothing was written.</summary>
    [Fact]
    public async Task Save_WithNothingChanged_SaysThereIsNothingToSave_AndWritesNoVersion()
    {
        var cut = RenderPage();
        await BobSavesAsync(_product.Values with { Name = "Walnut desk" });
        cut.WaitForAssertion(() => Assert.Contains("Version 2 · last changed by Bob", Text(cut, "version-line"), StringComparison.Ordinal));

        await cut.Find("[data-testid=save]").ClickAsync(new());

        var shown = Services.GetRequiredService<MudBlazor.ISnackbar>();
        cut.WaitForAssertion(() => Assert.Contains("Nothing to save: the form already matches version 2, saved by Bob.", shown.ShownSnackbars.Select(s => s.Message)));
        Assert.DoesNotContain(shown.ShownSnackbars, s => s.Message?.StartsWith("Saved", StringComparison.Ordinal) == true);
        Assert.Equal(2, (await Store.GetAsync(_product.Id))!.Version);

        // A real change still says it saved.
        cut.Input("field-Stock").Input("4");
        await cut.Find("[data-testid=save]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("Saved version 3.", shown.ShownSnackbars.Select(s => s.Message)));
    }

    /// <summary>Found by an outside try: a customer's bad email showed Chromium's own bubble over the app's message, and the bubble blocks the submit.</summary>
    [Fact]
    public void TheForm_LeavesValidationToTheRules_NotToTheBrowser()
    {
        var cut = RenderPage();

        Assert.True(cut.Find("form").HasAttribute("novalidate"));
    }

    [Fact]
    public async Task RestoredDraft_AgainstANewerVersion_IsWordedAsADraft()
    {
        await Services.GetRequiredService<DraftStore>().SaveAsync("alice-id", ResourceKey.ForProduct(_product.Id), 1, _product.Values with { Price = 90m });
        await BobSavesAsync(_product.Values with { Price = 80m });

        var cut = RenderPage();

        // Both changed the price: the dialog opens; behind it the alert says what the draft is based on.
        cut.WaitForElement("[data-testid=conflict-dialog]");
        var alert = Text(cut, "draft-restored");
        Assert.Contains("Restored your unsaved changes from", alert, StringComparison.Ordinal);
        Assert.Contains("They are based on version 1; Bob saved version 2 since.", alert, StringComparison.Ordinal);
        Assert.DoesNotContain("while you were editing", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestoredDraft_MergedCleanlyOnANewerVersion_SaysItIsMergedWithIt()
    {
        await Services.GetRequiredService<DraftStore>().SaveAsync("alice-id", ResourceKey.ForProduct(_product.Id), 1, _product.Values with { Stock = 4 });
        await BobSavesAsync(_product.Values with { Price = 80m });

        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Contains("Merged Bob's change to Price with yours", Text(cut, "merge-banner"), StringComparison.Ordinal));
        Assert.Contains("They are based on version 1; Bob saved version 2 since, and the form shows them merged with it.", Text(cut, "draft-restored"), StringComparison.Ordinal);
        Assert.Contains("Version 2 · last changed by Bob", Text(cut, "version-line"), StringComparison.Ordinal);
    }
}

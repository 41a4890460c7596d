using Bunit;
using CollabEditor.Core.Editing;
using CollabEditor.Core.Merging;
using CollabEditor.Core.Products;
using CollabEditor.WebApp.Merging;
using CollabEditor.WebApp.Products;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CollabEditor.WebApp.Tests;

public sealed class ConflictDialogTests : MudTestContext
{
    private static readonly ProductValues Base = new("OAK-DES-001", "Oak desk", "A desk.", 100m, 10, false);
    private static readonly ProductValues Mine = Base with { Name = "Oak desk (mine)", Price = 110m };
    private static readonly ProductSnapshot Theirs = new(1, Base with { Stock = 4, Price = 90m }, 8, "Bob", TimeProvider.System.GetUtcNow());

    private const string LongBase = "A solid oak desk with two drawers. Made in Denmark from certified wood; oiled, not lacquered.";

    private (IRenderedComponent<MudDialogProvider> Provider, Task<MergeDecision<ProductValues>> Decision) Open(ProductValues mine, ProductSnapshot? theirs, ProductValues? shown = null, ProductValues? @base = null)
    {
        var provider = Render<MudDialogProvider>();
        var merge = ThreeWayMerge.Merge(@base ?? Base, mine, theirs?.Values, ProductValues.Fields);
        var dialogs = Services.GetRequiredService<IDialogService>();
        Task<MergeDecision<ProductValues>>? decision = null;
        provider.InvokeAsync(() => decision = FieldConflicts.ShowAsync(dialogs, ProductEditor.Conflicts, merge, ProductEditor.Versioned(theirs), 7, shown));
        provider.WaitForElement("[data-testid=save-merged], [data-testid=recreate]");
        return (provider, decision!);
    }

    // MudRadio puts the test id on its input; the text is in the label around it.
    private static string RadioLabel(IRenderedComponent<MudDialogProvider> p, string testId) =>
        p.Find($"[data-testid={testId}]").Closest("label")!.TextContent.Trim();

    private static string Cell(IRenderedComponent<MudDialogProvider> p, string field, string col) =>
        p.Find($"tr[data-field={field}] td[data-col={col}]").TextContent.Trim();

    [Fact]
    public void Dialog_ShowsBaseTheirsAndMinePerField_WithWhoSavedTheirs()
    {
        var (p, _) = Open(Mine, Theirs);

        Assert.Contains("Bob saved version 8 while you were editing", p.Markup, StringComparison.Ordinal);
        Assert.Equal("100.00", Cell(p, "Price", "base"));
        Assert.Equal("90.00", Cell(p, "Price", "theirs"));
        Assert.Equal("110.00", Cell(p, "Price", "mine"));
        Assert.Contains("Saved now by Bob (v8)", p.Markup, StringComparison.Ordinal);
        Assert.Contains("You started from (v7)", p.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Dialog_PreMergesOneSidedChanges_AndAsksOnlyAboutRealConflicts()
    {
        var (p, _) = Open(Mine, Theirs);

        Assert.Equal("Oak desk (mine)", p.Find("[data-testid=merged-Name]").TextContent);
        Assert.Equal("4", p.Find("[data-testid=merged-Stock]").TextContent);
        Assert.Contains("2 fields merged for you; 1 needs your decision", p.Find("[data-testid=merge-summary]").TextContent, StringComparison.Ordinal);
        Assert.Single(p.FindAll("tr.merge-conflict"));
        Assert.Equal("Price", p.Find("tr.merge-conflict").GetAttribute("data-field"));
        Assert.True(p.Find("[data-testid=save-merged]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task SaveMerged_AfterChoosingMine_ReturnsMergedValuesWithMyTyping()
    {
        var (p, decision) = Open(Mine, Theirs);

        p.Find("[data-testid=choose-mine-Price]").Click();
        p.WaitForAssertion(() => Assert.False(p.Find("[data-testid=save-merged]").HasAttribute("disabled")));
        p.Find("[data-testid=save-merged]").Click();

        var save = Assert.IsType<MergeDecision<ProductValues>.SaveMerged>(await decision);
        Assert.Equal(Base with { Name = "Oak desk (mine)", Price = 110m, Stock = 4 }, save.Values);
    }

    [Fact]
    public async Task CustomValue_IsValidatedBeforeSaving()
    {
        var (p, decision) = Open(Mine, Theirs);

        p.Find("[data-testid=choose-custom-Price]").Click();
        p.WaitForAssertion(() => p.Input("custom-Price"));
        p.Input("custom-Price").Input("-5");
        p.WaitForAssertion(() => Assert.Contains("Price must be 0 or more.", p.Find("[data-testid=merge-errors]").TextContent, StringComparison.Ordinal));
        Assert.True(p.Find("[data-testid=save-merged]").HasAttribute("disabled"));

        p.Input("custom-Price").Input("95.5");
        p.WaitForAssertion(() => Assert.False(p.Find("[data-testid=save-merged]").HasAttribute("disabled")));
        p.Find("[data-testid=save-merged]").Click();
        Assert.Equal(95.5m, Assert.IsType<MergeDecision<ProductValues>.SaveMerged>(await decision).Values.Price);
    }

    [Fact]
    public async Task KeepEditing_ReturnsWithoutDiscardingAnything()
    {
        var (p, decision) = Open(Mine, Theirs);
        p.Find("[data-testid=keep-editing]").Click();
        Assert.IsType<MergeDecision<ProductValues>.KeepEditing>(await decision);
    }

    [Fact]
    public async Task Dialog_WhenTheProductWasDeleted_OffersRecreateFromMyValues()
    {
        var (p, decision) = Open(Mine, null);

        Assert.Contains("Someone deleted this product", p.Markup, StringComparison.Ordinal);
        Assert.Equal("(deleted)", Cell(p, "Name", "theirs"));
        Assert.NotNull(p.Find("[data-testid=discard-mine]"));
        p.Find("[data-testid=recreate]").Click();
        Assert.Equal(Mine, Assert.IsType<MergeDecision<ProductValues>.Recreate>(await decision).Values);
    }

    /// <summary>Both changed the description: a real conflict on a long text.</summary>
    private (IRenderedComponent<MudDialogProvider> Provider, Task<MergeDecision<ProductValues>> Decision) OpenDescriptionConflict()
    {
        var @base = Base with { Description = LongBase };
        var mine = @base with { Description = LongBase.Replace("two drawers", "three drawers", StringComparison.Ordinal) };
        var theirs = new ProductSnapshot(1, @base with { Description = LongBase.Replace("Denmark", "Sweden", StringComparison.Ordinal) }, 8, "Bob", TimeProvider.System.GetUtcNow());
        return Open(mine, theirs, @base: @base);
    }

    [Fact]
    public void AnotherValue_StartsWithMyValue_InAGrowingMultiLineBox_ForTheDescription()
    {
        var (p, _) = OpenDescriptionConflict();

        p.Find("[data-testid=choose-custom-Description]").Click();

        p.WaitForAssertion(() => p.Input("custom-Description"));
        var box = p.Input("custom-Description");
        Assert.Equal("TEXTAREA", box.TagName);
        Assert.True(int.Parse(box.GetAttribute("rows")!, System.Globalization.CultureInfo.InvariantCulture) >= 3);
        Assert.Contains("three drawers", box.TextContent + box.GetAttribute("value"), StringComparison.Ordinal);
        // Starting from my value, the merge can be saved as it stands.
        Assert.False(p.Find("[data-testid=save-merged]").HasAttribute("disabled"));
    }

    [Fact]
    public void AnotherValue_ForAShortField_StartsWithMyValue()
    {
        var (p, _) = Open(Mine, Theirs);

        p.Find("[data-testid=choose-custom-Price]").Click();

        p.WaitForAssertion(() => Assert.Equal("110.00", p.Input("custom-Price").GetAttribute("value")));
    }

    [Fact]
    public async Task AnotherValue_LeftEmpty_DisablesSaveMerged_UntilSaveItEmptyIsTicked()
    {
        var (p, decision) = OpenDescriptionConflict();
        p.Find("[data-testid=choose-custom-Description]").Click();
        p.WaitForAssertion(() => p.Input("custom-Description"));

        p.Input("custom-Description").Input("");

        p.WaitForAssertion(() => Assert.True(p.Find("[data-testid=save-merged]").HasAttribute("disabled")));
        p.Input("save-empty-Description").Change(true);
        p.WaitForAssertion(() => Assert.False(p.Find("[data-testid=save-merged]").HasAttribute("disabled")));
        p.Find("[data-testid=save-merged]").Click();

        Assert.Equal("", Assert.IsType<MergeDecision<ProductValues>.SaveMerged>(await decision).Values.Description);
    }

    [Fact]
    public void LongTexts_AppearOncePerSide_WithTheChangedWordsMarked()
    {
        var (p, _) = OpenDescriptionConflict();

        var row = p.Find("tr[data-field=Description]");
        Assert.Equal(["Sweden"], row.QuerySelectorAll("td[data-col=theirs] mark").Select(m => m.TextContent));
        Assert.Equal(["three"], row.QuerySelectorAll("td[data-col=mine] mark").Select(m => m.TextContent));
        Assert.Empty(row.QuerySelectorAll("td[data-col=base] mark"));
        // Started from, theirs, mine: three sides, each once; the choices do not repeat them.
        Assert.Equal(3, row.TextContent.Split("certified wood").Length - 1);
        Assert.Equal("Theirs", RadioLabel(p, "choose-theirs-Description"));
        Assert.Equal("Mine", RadioLabel(p, "choose-mine-Description"));
    }

    [Fact]
    public void ShortValues_AreMarkedNotToWrap()
    {
        var (p, _) = Open(Mine, Theirs);

        foreach (var col in new[] { "base", "theirs" })
        {
            Assert.Contains("merge-short", p.Find($"tr[data-field=Sku] td[data-col={col}]").ClassName, StringComparison.Ordinal);
        }

        Assert.NotNull(p.Find("tr[data-field=Sku] td[data-col=mine] .merge-short"));
        Assert.NotNull(p.Find("[data-testid=choose-mine-Price]").Closest("label")!.QuerySelector(".merge-short"));
    }

    [Fact]
    public void Yours_ShowsWhatTheFormShowed_AndSaysAValuePickedUpFromTheirsIsNotMine()
    {
        // The form picked up Bob's stock (4) while I typed a name; the merge counts my stock as the base's 10.
        var (p, _) = Open(Mine, Theirs, shown: Mine with { Stock = 4 });

        Assert.Equal("4", p.Find("tr[data-field=Stock] td[data-col=mine] .merge-short").TextContent);
        Assert.Contains("Bob's value, shown while you edited — not your change", p.Find("[data-testid=picked-up-Stock]").TextContent, StringComparison.Ordinal);
        Assert.Equal("theirs", p.Find("[data-testid=outcome-Stock]").TextContent.Trim());
        Assert.Empty(p.FindAll("[data-testid=picked-up-Name]"));
    }
}

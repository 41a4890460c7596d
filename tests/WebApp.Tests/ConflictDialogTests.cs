using Bunit;
using CollabEditor.Core.Merging;
using CollabEditor.Core.Products;
using CollabEditor.WebApp.Products;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CollabEditor.WebApp.Tests;

public sealed class ConflictDialogTests : MudTestContext
{
    private static readonly ProductValues Base = new("OAK-DES-001", "Oak desk", "A desk.", 100m, 10, false);
    private static readonly ProductValues Mine = Base with { Name = "Oak desk (mine)", Price = 110m };
    private static readonly ProductSnapshot Theirs = new(1, Base with { Stock = 4, Price = 90m }, 8, "Bob", TimeProvider.System.GetUtcNow());

    private (IRenderedComponent<MudDialogProvider> Provider, Task<ConflictDecision> Decision) Open(ProductValues mine, ProductSnapshot? theirs)
    {
        var provider = Render<MudDialogProvider>();
        var merge = ThreeWayMerge.Merge(Base, mine, theirs?.Values, ProductValues.Fields);
        var dialogs = Services.GetRequiredService<IDialogService>();
        Task<ConflictDecision>? decision = null;
        provider.InvokeAsync(() => decision = ConflictDialog.ShowAsync(dialogs, merge, theirs, 7));
        provider.WaitForElement("[data-testid=save-merged], [data-testid=recreate]");
        return (provider, decision!);
    }

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

        var save = Assert.IsType<ConflictDecision.SaveMerged>(await decision);
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
        Assert.Equal(95.5m, Assert.IsType<ConflictDecision.SaveMerged>(await decision).Values.Price);
    }

    [Fact]
    public async Task KeepEditing_ReturnsWithoutDiscardingAnything()
    {
        var (p, decision) = Open(Mine, Theirs);
        p.Find("[data-testid=keep-editing]").Click();
        Assert.IsType<ConflictDecision.KeepEditing>(await decision);
    }

    [Fact]
    public async Task Dialog_WhenTheProductWasDeleted_OffersRecreateFromMyValues()
    {
        var (p, decision) = Open(Mine, null);

        Assert.Contains("Someone deleted this product", p.Markup, StringComparison.Ordinal);
        Assert.Equal("(deleted)", Cell(p, "Name", "theirs"));
        Assert.NotNull(p.Find("[data-testid=discard-mine]"));
        p.Find("[data-testid=recreate]").Click();
        Assert.Equal(Mine, Assert.IsType<ConflictDecision.Recreate>(await decision).Values);
    }
}

using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CollabEditor.WebApp.Tests;

/// <summary>The app's snackbar configuration, as the provider renders it.</summary>
public sealed class SnackbarTests : BunitContext
{
    public SnackbarTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddCollabMudServices();
    }

    private ISnackbar Snackbar => Services.GetRequiredService<ISnackbar>();

    [Fact]
    public void TwoMessages_ShowOnlyTheNewest()
    {
        var cut = Render<MudSnackbarProvider>();

        cut.InvokeAsync(() => Snackbar.Add("Bob saved version 3.", Severity.Info));
        cut.InvokeAsync(() => Snackbar.Add("Saved version 5.", Severity.Success));

        cut.WaitForAssertion(() => Assert.Equal("Saved version 5.", Assert.Single(cut.FindAll(".mud-snackbar")).TextContent.Trim()));
    }

    [Fact]
    public void Snackbars_SitBottomLeft_AwayFromTheDialogButtons()
    {
        var cut = Render<MudSnackbarProvider>();
        cut.InvokeAsync(() => Snackbar.Add("Saved version 5.", Severity.Success));

        cut.WaitForAssertion(() => Assert.Contains(MudBlazor.Defaults.Classes.Position.BottomLeft, cut.Find("#mud-snackbar-container").ClassName, StringComparison.Ordinal));
    }
}

using MudBlazor;

namespace CollabEditor.WebApp.Components.Layout;

/// <summary>
/// The one theme, shared: it is rendered once per page load by the static <c>App</c> component (a
/// <c>&lt;style&gt;</c> of CSS variables), not kept by every circuit. A MudThemeProvider inside the
/// interactive layout held a ~60 KB CSS string and two palettes per open page.
/// </summary>
internal static class AppTheme
{
    public static MudTheme Theme { get; } = new()
    {
        Typography = new Typography { Default = new DefaultTypography { FontFamily = ["system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"] } },
    };
}

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
        // MudBlazor's default status colours put white text at 2.2:1 (success) to 3.7:1 (error) on filled
        // chips and buttons; these darker shades reach WCAG AA (4.5:1) with white. Darken/lighten/hover follow.
        PaletteLight = new PaletteLight
        {
            Info = "#1565c0",
            Success = "#2e7d32",
            Warning = "#b45309",
            Error = "#c62828",
            Secondary = "#c2185b",
        },
    };
}

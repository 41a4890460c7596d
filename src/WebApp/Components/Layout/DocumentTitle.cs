using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace CollabEditor.WebApp.Components.Layout;

/// <summary>
/// Sets the browser tab's title from an interactive page. Blazor's PageTitle needs an interactive
/// HeadOutlet, which keeps five components (the outlet, three section outlets, the section content)
/// in every circuit; this renders nothing and makes one JS call when the title changes. Static pages
/// (sign-in) keep PageTitle, rendered by the static HeadOutlet in App.razor.
/// </summary>
public sealed class DocumentTitle : ComponentBase
{
    private string? _applied;

    [Inject]
    private IJSRuntime Js { get; set; } = default!;

    [Parameter, EditorRequired]
    public string Value { get; set; } = string.Empty;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (Value != _applied)
        {
            _applied = Value;
            try
            {
                await Js.InvokeVoidAsync("collab.setTitle", Value);
            }
            catch (JSDisconnectedException)
            {
                // The page is gone; nothing to title.
            }
        }
    }
}

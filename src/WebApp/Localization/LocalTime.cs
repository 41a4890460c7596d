using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace CollabEditor.WebApp.Localization;

/// <summary>
/// A time in the reader's zone and language: <c>&lt;LocalTime Value="saved.At" Format="g" /&gt;</c>.
/// Renders one <c>&lt;time&gt;</c> element (its <c>datetime</c> is the UTC instant) and no children.
/// </summary>
public sealed class LocalTime : ComponentBase
{
    [Inject]
    private BrowserTime Browser { get; set; } = default!;

    [Parameter, EditorRequired]
    public DateTimeOffset Value { get; set; }

    /// <summary>A .NET date format, standard ("g", "G", "t") or custom; "g" by default.</summary>
    [Parameter]
    public string Format { get; set; } = "g";

    [Parameter(CaptureUnmatchedValues = true)]
    public IReadOnlyDictionary<string, object>? Attributes { get; set; }

    protected override Task OnInitializedAsync() =>
        // Until the answer comes the element is empty rather than briefly showing a time in the wrong
        // zone; ComponentBase renders again when the task completes (at once when the circuit knows).
        Browser.IsKnown ? Task.CompletedTask : Browser.EnsureKnownAsync();

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        builder.OpenElement(0, "time");
        builder.AddMultipleAttributes(1, Attributes);
        builder.AddAttribute(2, "datetime", Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        if (Browser.IsKnown)
        {
            builder.AddContent(3, Browser.Format(Value, Format));
        }

        builder.CloseElement();
    }
}

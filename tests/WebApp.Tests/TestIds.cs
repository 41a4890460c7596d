using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace CollabEditor.WebApp.Tests;

/// <summary>Finds elements by data-testid; MudBlazor puts the id on the input itself or on its wrapper.</summary>
public static class TestIds
{
    public static IElement Input<T>(this IRenderedComponent<T> cut, string testId)
        where T : IComponent
    {
        var element = cut.Find($"[data-testid={testId}]");
        return element.TagName is "INPUT" or "TEXTAREA"
            ? element
            : element.QuerySelector("input, textarea") ?? throw new ElementNotFoundException($"[data-testid={testId}] input");
    }

    /// <summary>
    /// Finds and clicks in one step on the renderer's thread, so a re-render between the two (a
    /// countdown, a live update) cannot leave the click on a stale event handler.
    /// </summary>
    public static void ClickNow<T>(this IRenderedComponent<T> cut, string cssSelector)
        where T : IComponent
    {
        ArgumentNullException.ThrowIfNull(cut);
        cut.InvokeAsync(() => cut.Find(cssSelector).Click()).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Waits until the page's Save is enabled again: a handler still running (a clean merge writing its
    /// draft) keeps it disabled, and a click then does nothing, for a person as for a test.
    /// </summary>
    public static void WaitForSaveEnabled<T>(this IRenderedComponent<T> cut)
        where T : IComponent
    {
        ArgumentNullException.ThrowIfNull(cut);
        cut.WaitForAssertion(() => Xunit.Assert.False(cut.Find("[data-testid=save]").HasAttribute("disabled")));
    }
}

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
}

using AngleSharp.Dom;
using Bunit;
using CollabEditor.WebApp.Components.Plain;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Services;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// The app's few components of plain markup in MudBlazor's CSS classes (Components/Plain) render the
/// classes MudBlazor's own components render today: a MudBlazor upgrade that changes them fails here
/// instead of silently changing the look.
/// </summary>
public sealed class PlainMarkupTests : BunitContext
{
    public PlainMarkupTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    private static string Classes(IElement element) => string.Join(' ', element.ClassList.Order(StringComparer.Ordinal));

    [Fact]
    public void PlainCard_HasMudCardsClasses_OnEveryPart()
    {
        var mud = Render(b =>
        {
            b.OpenComponent<MudCard>(0);
            b.AddAttribute(1, nameof(MudCard.Elevation), 2);
            b.AddAttribute(2, nameof(MudCard.ChildContent), (RenderFragment)(c =>
            {
                c.OpenComponent<MudCardHeader>(0);
                c.AddAttribute(1, nameof(MudCardHeader.CardHeaderContent), (RenderFragment)(h =>
                {
                    h.OpenComponent<MudText>(0);
                    h.AddAttribute(1, nameof(MudText.Typo), Typo.h5);
                    h.AddAttribute(2, nameof(MudText.HtmlTag), "h1");
                    h.AddAttribute(3, nameof(MudText.ChildContent), (RenderFragment)(t => t.AddContent(0, "Title")));
                    h.CloseComponent();
                    h.OpenComponent<MudText>(4);
                    h.AddAttribute(5, nameof(MudText.Typo), Typo.body2);
                    h.AddAttribute(6, nameof(MudText.Class), "mud-text-secondary");
                    h.AddAttribute(7, nameof(MudText.ChildContent), (RenderFragment)(t => t.AddContent(0, "Subtitle")));
                    h.CloseComponent();
                }));
                c.CloseComponent();
                c.OpenComponent<MudCardContent>(2);
                c.AddAttribute(3, nameof(MudCardContent.ChildContent), (RenderFragment)(x => x.AddContent(0, "Content")));
                c.CloseComponent();
                c.OpenComponent<MudCardActions>(4);
                c.AddAttribute(5, nameof(MudCardActions.ChildContent), (RenderFragment)(x => x.AddContent(0, "Actions")));
                c.CloseComponent();
            }));
            b.CloseComponent();
        });
        var plain = Render<PlainCard>(p => p
            .Add(x => x.Title, t => t.AddContent(0, "Title"))
            .Add(x => x.Subtitle, t => t.AddContent(0, "Subtitle"))
            .Add(x => x.ChildContent, t => t.AddContent(0, "Content"))
            .Add(x => x.Actions, t => t.AddContent(0, "Actions")));

        var mudCard = mud.Find(".mud-card");
        var plainCard = plain.Find(".mud-card");
        Assert.Equal(Classes(mudCard), Classes(plainCard));
        Assert.Equal(Classes(mudCard.QuerySelector(".mud-card-header")!), Classes(plainCard.QuerySelector(".mud-card-header")!));
        Assert.Equal(Classes(mudCard.QuerySelector(".mud-card-header-content")!), Classes(plainCard.QuerySelector(".mud-card-header-content")!));
        Assert.Equal(Classes(mudCard.QuerySelector("h1")!), Classes(plainCard.QuerySelector("h1")!));
        Assert.Equal(Classes(mudCard.QuerySelector("p")!), Classes(plainCard.QuerySelector("p")!));
        Assert.Equal(Classes(mudCard.QuerySelector(".mud-card-content")!), Classes(plainCard.QuerySelector(".mud-card-content")!));
        Assert.Equal(Classes(mudCard.QuerySelector(".mud-card-actions")!), Classes(plainCard.QuerySelector(".mud-card-actions")!));
    }

    /// <summary>MudBlazor's class strings live only in Components/Plain: pages use MudBlazor's components (or those few).</summary>
    [Fact]
    public void NoPageOutsideComponentsPlain_CopiesMudBlazorsClassStrings()
    {
        var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "WebApp"));
        var plain = Path.Combine(root, "Components", "Plain");
        var offenders = Directory.EnumerateFiles(root, "*.razor", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(plain, StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => System.Text.RegularExpressions.Regex.IsMatch(x.line, "class=\"[^\"]*\\bmud-(button|input|card|paper|grid|chip|typography|checkbox|icon|expand|appbar|toolbar)"))
            .Select(x => $"{Path.GetRelativePath(root, x.f)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();
        Assert.True(Directory.Exists(root), root);
        Assert.True(offenders.Count == 0, string.Join(Environment.NewLine, offenders));
    }
}

using Bunit;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Users;
using CollabEditor.Data.Presence;
using CollabEditor.WebApp.Editing;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CollabEditor.WebApp.Tests;

/// <summary>A field with who else is in it, and its soft lock (issue 15). Other pages are rows in the real presence table.</summary>
public sealed class FieldSlotTests : MudTestContext, IAsyncLifetime
{
    private const string Key = "product/1";
    private static readonly Actor Alice = new("alice-id", "Alice");
    private static readonly Actor Bob = new("bob-id", "Bob");
    private readonly List<PagePresence> _pages = [];

    private PresenceStore Store => Services.GetRequiredService<PresenceStore>();

    private ChangeFeed Feed => Services.GetRequiredService<ChangeFeed>();

    /// <summary>Stands for an editor page: it cascades its presence and re-renders when presence changes.</summary>
    public sealed class PageHost : ComponentBase
    {
        [Parameter]
        public PagePresence? Presence { get; set; }

        [Parameter]
        public RenderFragment? ChildContent { get; set; }

        public Task ChangedAsync() => InvokeAsync(StateHasChanged);

        protected override void BuildRenderTree(RenderTreeBuilder builder)
        {
            builder.OpenComponent<CascadingValue<PagePresence>>(0);
            builder.AddComponentParameter(1, nameof(CascadingValue<PagePresence>.Value), Presence);
            builder.AddComponentParameter(2, nameof(CascadingValue<PagePresence>.ChildContent), ChildContent);
            builder.CloseComponent();
        }
    }

    private PagePresence NewPage()
    {
        var page = ActivatorUtilities.CreateInstance<PagePresence>(Services);
        _pages.Add(page);
        return page;
    }

    private static RenderFragment Slots(bool readOnly = false) => b =>
    {
        b.AddContent(0, Slot("Price", readOnly));
        b.AddContent(1, Slot("Name", readOnly));
    };

    /// <summary>A field in a slot, as an editor places it: an input told whether it is read-only.</summary>
    private static RenderFragment Slot(string name, bool readOnly) => b =>
    {
        b.OpenComponent<FieldSlot>(0);
        b.AddComponentParameter(1, nameof(FieldSlot.Name), name);
        b.AddComponentParameter(2, nameof(FieldSlot.ReadOnly), readOnly);
        b.AddComponentParameter(3, nameof(FieldSlot.ChildContent), (RenderFragment<FieldSlotContext>)(ctx => f =>
        {
            f.OpenElement(0, "input");
            f.AddAttribute(1, "data-testid", $"field-{name}");
            f.AddAttribute(2, "readonly", ctx.ReadOnly);
            f.CloseElement();
        }));
        b.CloseComponent();
    };

    private async Task<(IRenderedComponent<PageHost> Cut, PagePresence Page)> OpenAsync(bool readOnly = false)
    {
        var page = NewPage();
        var cut = Render<PageHost>(p => p.Add(x => x.Presence, page).Add(x => x.ChildContent, Slots(readOnly)));
        await page.StartAsync(Key, Alice, cut.Instance.ChangedAsync);
        return (cut, page);
    }

    /// <summary>Bob's page on another instance: a row, and the event its trigger would send.</summary>
    private async Task BobIsAtAsync(string? field, params string[] changing)
    {
        await Store.SetFieldsAsync(BobsPage, Key, Bob, new PresenceFields(field, changing), edited: changing.Length > 0);
        Feed.Publish(new ChangeEvent(ChangeKind.Presence, Key, 0, "Bob"));
    }

    private static readonly Guid BobsPage = Guid.NewGuid();

    private static bool IsReadOnly(IRenderedComponent<PageHost> cut, string field) => cut.Find($"[data-testid=field-{field}]").HasAttribute("readonly");

    [Fact]
    public void WithoutPresence_RendersOnlyItsContent()
    {
        var cut = Render(Slots(readOnly: true));

        Assert.Empty(cut.FindAll("[data-field-slot]"));
        Assert.Empty(cut.FindAll("[data-testid^=presence-]"));
        Assert.True(cut.Find("[data-testid=field-Price]").HasAttribute("readonly"));
        Assert.False(cut.Find("[data-testid=field-Price]").ParentElement?.HasAttribute("data-field-slot"));
    }

    [Fact]
    public async Task SomeoneInTheField_ShowsTheirNameOnThatFieldsChip_Only()
    {
        var (cut, _) = await OpenAsync();
        Assert.Empty(cut.FindAll("[data-testid^=presence-]"));

        await BobIsAtAsync("Price");

        cut.WaitForAssertion(() => Assert.Equal("Bob", cut.Find("[data-testid=presence-Price]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=presence-Name]"));
        Assert.Empty(cut.FindAll("[data-testid^=field-lock-]"));
        Assert.False(IsReadOnly(cut, "Price"));

        await BobIsAtAsync(null);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid^=presence-]")));
    }

    [Fact]
    public async Task SomeoneChangingTheField_MakesItReadOnlyForMe_SayingWho()
    {
        var (cut, _) = await OpenAsync();

        await BobIsAtAsync("Price", "Price");

        cut.WaitForAssertion(() => Assert.Equal("Bob is changing this", cut.Find("[data-testid=field-lock-Price]").TextContent.Trim()));
        Assert.True(IsReadOnly(cut, "Price"));
        Assert.False(IsReadOnly(cut, "Name"));
        Assert.Contains("Bob", cut.Find("[data-testid=presence-Price]").TextContent, StringComparison.Ordinal);

        // He saves: the field is mine again.
        await BobIsAtAsync("Price");
        cut.WaitForAssertion(() => Assert.False(IsReadOnly(cut, "Price")));
        Assert.Empty(cut.FindAll("[data-testid=field-lock-Price]"));
    }

    [Fact]
    public async Task AFieldIHaveStartedTyping_StaysEditable_WhileShowingWhoElseIsChangingIt()
    {
        var (cut, page) = await OpenAsync();
        await cut.InvokeAsync(() => page.ChangingAsync(["Price"]));

        await BobIsAtAsync("Price", "Price");

        cut.WaitForAssertion(() => Assert.Equal("Bob is changing this", cut.Find("[data-testid=field-lock-Price]").TextContent.Trim()));
        Assert.False(IsReadOnly(cut, "Price"));
    }

    [Fact]
    public async Task ARecordThatIsReadOnly_KeepsItsFieldsReadOnly_WithNobodyElseThere()
    {
        var (cut, _) = await OpenAsync(readOnly: true);

        Assert.True(IsReadOnly(cut, "Price"));
        Assert.True(IsReadOnly(cut, "Name"));
    }

    [Fact]
    public async Task FocusIn_PutsMyCursorInTheField_AndFocusOut_TakesItOut()
    {
        var (cut, page) = await OpenAsync();
        var slot = cut.Find("[data-field-slot=Price]");

        await slot.FocusInAsync(new());
        Assert.Equal("Price", page.Focused);
        await WaitUntilAsync(async () => (await Store.ListAsync(Key)).Single(r => r.Id == page.PageId).Field == "Price");

        await cut.Find("[data-field-slot=Price]").FocusOutAsync(new());
        // Nothing re-renders when only my own cursor moves, so this waits on the state itself.
        await WaitUntilAsync(() => Task.FromResult(page.Focused is null));
        await WaitUntilAsync(async () => (await Store.ListAsync(Key)).Single(r => r.Id == page.PageId).Field is null);
    }

    [Fact]
    public async Task FocusMovingInsideTheField_OrToAnotherField_NeverLeavesForALateFocusOut()
    {
        var clock = new FakeTimeProvider();
        Services.AddSingleton<TimeProvider>(clock);
        var page = NewPage(); // not started: only where my cursor is matters here
        var cut = Render<PageHost>(p => p.Add(x => x.Presence, page).Add(x => x.ChildContent, Slots()));

        await cut.Find("[data-field-slot=Price]").FocusInAsync(new());
        await cut.Find("[data-field-slot=Price]").FocusOutAsync(new());
        await cut.Find("[data-field-slot=Price]").FocusInAsync(new());
        clock.Advance(FieldSlot.LeaveDelay * 2);
        await cut.InvokeAsync(() => { }); // after anything the timer posted to the renderer
        Assert.Equal("Price", page.Focused);

        await cut.Find("[data-field-slot=Price]").FocusOutAsync(new());
        await cut.Find("[data-field-slot=Name]").FocusInAsync(new());
        clock.Advance(FieldSlot.LeaveDelay * 2);
        await cut.InvokeAsync(() => { });
        Assert.Equal("Name", page.Focused);

        // Negative control: the same check sees a real leave.
        await cut.Find("[data-field-slot=Name]").FocusOutAsync(new());
        clock.Advance(FieldSlot.LeaveDelay * 2);
        await cut.InvokeAsync(() => { });
        Assert.Null(page.Focused);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var page in _pages)
        {
            await page.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}

using System.Security.Claims;
using Bunit;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Account;
using CollabEditor.WebApp.Products;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.WebApp.Tests;

/// <summary>The check-out banner in each state, the read-only form, and the admin-only controls.</summary>
public sealed class CheckoutTests : MudTestContext
{
    private static readonly Actor Bob = new("bob-id", "Bob");
    private static readonly Actor Admin = new("admin-id", "Admin", IsAdmin: true);
    private ProductSnapshot _product = default!;

    private ProductStore Store => Services.GetRequiredService<ProductStore>();

    private LeaseStore Leases => Services.GetRequiredService<LeaseStore>();

    private ChangeFeed Feed => Services.GetRequiredService<ChangeFeed>();

    private string Key => ResourceKey.ForProduct(_product.Id);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _product = Assert.IsType<SaveResult.Saved>(await Store.CreateAsync(new ProductValues("OAK-DES-001", "Oak desk", "A desk.", 100m, 10, false), Bob)).Current;
    }

    private IRenderedComponent<IComponent> RenderPage()
    {
        RenderFragment page = b =>
        {
            b.OpenComponent<ProductEdit>(2);
            b.AddAttribute(3, nameof(ProductEdit.Id), _product.Id);
            b.CloseComponent();
        };
        var cut = Render(page);
        cut.WaitForElement("[data-testid=save]");
        return cut;
    }

    /// <summary>
    /// Finds and clicks in one step on the renderer's thread: the banner's countdown re-renders every
    /// second, and a button found before a re-render may carry an event handler that is gone.
    /// </summary>
    private static void ClickNow(IRenderedComponent<IComponent> cut, string testId) =>
        cut.InvokeAsync(() => cut.Find($"[data-testid={testId}]").Click()).GetAwaiter().GetResult();

    private async Task<Lease> AliceChecksOutAsync(IRenderedComponent<IComponent> cut)
    {
        cut.WaitForElement("[data-testid=check-out]");
        ClickNow(cut, "check-out");
        cut.WaitForAssertion(() => Assert.Contains("Checked out by you", cut.Find("[data-testid=lease-banner]").TextContent, StringComparison.Ordinal));
        var holder = (await Leases.GetAsync(Key))!;
        Assert.Equal("Alice", holder.HolderName);
        return new Lease(holder.Key, holder.HolderUserId, holder.HolderName, holder.HolderSession, Guid.Empty, holder.Fencing, holder.AcquiredAt, holder.RenewedAt, holder.ExpiresAt, holder.Remaining);
    }

    [Fact]
    public async Task Mine_ShowsCheckedOutByYou_WithACountdown_AndCheckInReleases()
    {
        var cut = RenderPage();
        await AliceChecksOutAsync(cut);

        Assert.Matches(@"Checked out by you · expires in [01]:\d\d", cut.Find("[data-testid=lease-banner]").TextContent);
        Assert.False(cut.Input("field-Name").HasAttribute("readonly"));

        ClickNow(cut, "check-in");
        cut.WaitForElement("[data-testid=check-out]");
        Assert.Null(await Leases.GetAsync(Key));
    }

    [Fact]
    public async Task CheckIn_SavesTypedValuesAndReleases()
    {
        var cut = RenderPage();
        await AliceChecksOutAsync(cut);
        cut.Input("field-Stock").Input("55");

        ClickNow(cut, "check-in");

        cut.WaitForElement("[data-testid=check-out]");
        Assert.Equal(55, (await Store.GetAsync(_product.Id))!.Values.Stock);
        Assert.Null(await Leases.GetAsync(Key));
    }

    [Fact]
    public async Task SomeoneElses_ShowsWhoAndUntil_AndTheFormIsReadOnly_WithRequestReleaseButNoForceRelease()
    {
        Assert.IsType<AcquireResult.Granted>(await Leases.AcquireAsync(Key, Bob, "bobs-tab"));
        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Matches(@"Checked out by Bob since .+ · expires in [01]:\d\d", cut.Find("[data-testid=lease-banner]").TextContent));
        // The page switches to read-only on the bar's change notification, right after the banner renders.
        cut.WaitForAssertion(() =>
        {
            Assert.True(cut.Input("field-Name").HasAttribute("readonly"));
            Assert.True(cut.Input("field-Price").HasAttribute("readonly"));
            Assert.True(cut.Find("[data-testid=save]").HasAttribute("disabled"));
        });
        // And it looks read-only, with the reason: every field is in the read-only block, under a lock hint naming the holder.
        Assert.Contains("Read-only: checked out by Bob.", cut.Find("[data-testid=read-only-hint]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid=read-only-hint] svg"));
        Assert.All(["field-Sku", "field-Name", "field-Description", "field-Price", "field-Stock"], id =>
            Assert.NotNull(cut.Input(id).Closest(".collab-read-only")));
        // A checkbox has no readonly attribute: MudBlazor ignores its clicks and marks it mud-readonly.
        Assert.NotNull(cut.Find("[data-testid=field-RequiresCheckout]").Closest(".mud-readonly"));
        Assert.NotNull(cut.Find("[data-testid=request-release]"));
        Assert.Empty(cut.FindAll("[data-testid=force-release]"));
    }

    [Fact]
    public async Task SomeoneElses_BecomesEditableWhenTheyCheckIn()
    {
        var bobs = Assert.IsType<AcquireResult.Granted>(await Leases.AcquireAsync(Key, Bob, "bobs-tab")).Lease;
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.True(cut.Input("field-Name").HasAttribute("readonly")));

        await Leases.ReleaseAsync(Key, bobs.Token, Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.LeaseReleased, Key, bobs.Fencing, "Bob"));

        cut.WaitForAssertion(() => Assert.False(cut.Input("field-Name").HasAttribute("readonly")));
        Assert.NotNull(cut.Find("[data-testid=check-out]"));
    }

    [Fact]
    public async Task ForceReleased_TellsTheHolderAtOnce_WithTheReason_AndKeepsTypedValues()
    {
        var cut = RenderPage();
        var mine = await AliceChecksOutAsync(cut);
        cut.Input("field-Name").Input("Alice was typing this");

        Assert.IsType<LeaseChange.Done>(await Leases.ForceReleaseAsync(Key, Admin, "inventory count"));
        Feed.Publish(new ChangeEvent(ChangeKind.LeaseForceReleased, Key, mine.Fencing, "Admin"));

        cut.WaitForAssertion(() => Assert.Contains("Admin released your check-out: inventory count", cut.Find("[data-testid=lease-notice]").TextContent, StringComparison.Ordinal));
        Assert.Equal("Alice was typing this", cut.Input("field-Name").GetAttribute("value"));
        Assert.False(cut.Input("field-Name").HasAttribute("readonly"));
    }

    [Fact]
    public async Task Expired_TellsTheHolder_AndTheNextSaveMergesThroughTheConflictDialog()
    {
        var cut = RenderPage();
        var mine = await AliceChecksOutAsync(cut);
        cut.Input("field-Name").Input("Alice's desk");

        // Time passes on the database clock: the lease runs out and the sweeper records it.
        await using (var cmd = Services.GetRequiredService<NpgsqlDataSource>().CreateCommand($"UPDATE leases SET expires_at = now() - interval '1 second' WHERE resource_key = '{Key}'"))
        {
            await cmd.ExecuteNonQueryAsync();
        }

        await Leases.SweepExpiredAsync();
        Feed.Publish(new ChangeEvent(ChangeKind.LeaseExpired, Key, mine.Fencing, "Alice"));
        cut.WaitForAssertion(() => Assert.Contains("Your check-out expired", cut.Find("[data-testid=lease-notice]").TextContent, StringComparison.Ordinal));

        await Store.UpdateAsync(_product.Id, 1, _product.Values with { Name = "Bob's desk" }, Bob);
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("Bob saved version 2 while you were editing", cut.Markup, StringComparison.Ordinal));
        Assert.Equal("Name", cut.Find("tr.merge-conflict").GetAttribute("data-field"));
    }

    [Fact]
    public async Task ReleaseRequested_IsShownToTheHolder()
    {
        var cut = RenderPage();
        await AliceChecksOutAsync(cut);

        await Leases.RequestReleaseAsync(Key, Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.ReleaseRequested, Key, 0, "Bob"));

        cut.WaitForAssertion(() => Assert.Contains("Bob asks you to check in", cut.Find("[data-testid=release-requested]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AProductThatRequiresCheckout_IsCheckedOutWhenOpened()
    {
        await Store.UpdateAsync(_product.Id, 1, _product.Values with { RequiresCheckout = true }, Bob);
        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Contains("Checked out by you", cut.Find("[data-testid=lease-banner]").TextContent, StringComparison.Ordinal));
        Assert.Equal("Alice", (await Leases.GetAsync(Key))!.HolderName);
    }

    [Fact]
    public async Task LeavingThePage_ChecksTheRecordIn()
    {
        var cut = RenderPage();
        await AliceChecksOutAsync(cut);

        await DisposeComponentsAsync();

        Assert.Null(await Leases.GetAsync(Key));
    }
}

/// <summary>The same page seen by an administrator.</summary>
public sealed class AdminCheckoutTests : MudTestContext
{
    private static readonly Actor Bob = new("bob-id", "Bob");

    public AdminCheckoutTests()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("admin");
        auth.SetRoles(Roles.Admin);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "admin-id"), new Claim(DisplayNameClaimsFactory.DisplayNameClaim, "Admin"));
    }

    private LeaseStore Leases => Services.GetRequiredService<LeaseStore>();

    [Fact]
    public async Task ForAnAdmin_ForceReleaseIsOffered_AndAsksForAReason()
    {
        var store = Services.GetRequiredService<ProductStore>();
        var product = Assert.IsType<SaveResult.Saved>(await store.CreateAsync(new ProductValues("OAK-DES-001", "Oak desk", "A desk.", 100m, 10, false), Bob)).Current;
        var key = ResourceKey.ForProduct(product.Id);
        Assert.IsType<AcquireResult.Granted>(await Leases.AcquireAsync(key, Bob, "bobs-tab"));
        RenderFragment page = b =>
        {
            b.OpenComponent<ProductEdit>(2);
            b.AddAttribute(3, nameof(ProductEdit.Id), product.Id);
            b.CloseComponent();
        };
        var cut = Render(page);

        cut.WaitForElement("[data-testid=force-release]");
        cut.ClickNow("[data-testid=force-release]");
        cut.WaitForElement("[data-testid=reason-input]");
        cut.Input("reason-input").Input("Bob went home");
        cut.ClickNow("[data-testid=reason-ok]");

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=force-release]")));
        Assert.Null(await Leases.GetAsync(key));
        var entry = (await Leases.AuditAsync(key))[0];
        Assert.Equal(("force-released", "Admin", "Bob went home"), (entry.Action, entry.UserName, entry.Reason));
    }
}

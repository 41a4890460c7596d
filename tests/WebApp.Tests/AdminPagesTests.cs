using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Security.Claims;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using Bunit;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Account;
using CollabEditor.WebApp.Admin;
using CollabEditor.WebApp.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.WebApp.Tests;

/// <summary>Admin → Locks and Admin → Audit, on a real database. Alice is signed in as an administrator.</summary>
public sealed partial class AdminPagesTests : MudTestContext
{
    private const string Session = "session-1";
    private static readonly Actor Bob = new("bob-id", "Bob");
    private static readonly Actor AliceAdmin = new("alice-id", "Alice", IsAdmin: true);

    public AdminPagesTests()
    {
        SignInAlice(Roles.Admin);
    }

    /// <summary>Signs Alice in again with <paramref name="role"/> (a fresh authorization context; before any service is used).</summary>
    private void SignInAlice(string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("alice");
        auth.SetRoles(role);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "alice-id"), new Claim(DisplayNameClaimsFactory.DisplayNameClaim, "Alice"));
    }

    private LeaseStore Leases => Services.GetRequiredService<LeaseStore>();

    private ChangeFeed Feed => Services.GetRequiredService<ChangeFeed>();

    private IRenderedComponent<IComponent> RenderPage<T>()
        where T : IComponent
    {
        RenderFragment page = b =>
        {
            b.OpenComponent<T>(3);
            b.CloseComponent();
        };
        return Render(page);
    }

    private async Task<Lease> AcquireAsync(int productId)
    {
        var result = await Leases.AcquireAsync(ResourceKey.ForProduct(productId), Bob, Session);
        return Assert.IsType<AcquireResult.Granted>(result).Lease;
    }

    private static IElement RowOf(IRenderedComponent<IComponent> cut, string key) =>
        cut.Find($"[data-testid={Locks.TestIdFor(key)}]").Closest("tr") ?? throw new ElementNotFoundException(key);

    private static void EnterReason(IRenderedComponent<IComponent> cut, string reason)
    {
        cut.WaitForElement("[data-testid=reason-ok]");
        cut.Input("reason-input").Input(reason);
        cut.ClickNow("[data-testid=reason-ok]");
    }

    private static List<string> Texts(IRenderedComponent<IComponent> cut, string testId) =>
        [.. cut.FindAll($"[data-testid={testId}]").Select(e => e.TextContent.Trim())];

    [Fact]
    public async Task Locks_ListsALiveLease_WithHolderAndCountdown()
    {
        await AcquireAsync(12);

        var cut = RenderPage<Locks>();

        cut.WaitForAssertion(() => Assert.Equal(["Bob"], Texts(cut, "lock-holder")));
        var row = RowOf(cut, "product/12");
        // No product 12 in this database: the key itself (names and links: Locks_ShowsSkuAndName_…).
        Assert.Equal("product/12", row.QuerySelector("[data-testid=lock-resource]")!.TextContent.Trim());
        Assert.Matches(CountdownPattern(), row.QuerySelector("[data-testid=lock-expires]")!.TextContent.Trim());
        Assert.Null(row.QuerySelector("[data-testid=stale]"));
        Assert.NotNull(cut.Find("[data-testid=locks-grid]"));
    }

    [Fact]
    public async Task Locks_ForceReleaseOne_WithAReason_RemovesIt_AndAuditsTheReason()
    {
        await AcquireAsync(1);
        await AcquireAsync(2);
        var cut = RenderPage<Locks>();
        cut.WaitForElement("[data-testid=force-release-product-1]");
        // Find and click in one step: the page re-renders every second (the countdowns).
        cut.ClickNow("[data-testid=force-release-product-1]");

        EnterReason(cut, "Bob is on holiday");

        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll("[data-testid=force-release-product-1]"));
            Assert.Contains("Released 1 check-out.", cut.Markup, StringComparison.Ordinal);
        });
        Assert.NotNull(cut.Find("[data-testid=force-release-product-2]"));
        Assert.Null(await Leases.GetAsync("product/1"));
        Assert.NotNull(await Leases.GetAsync("product/2"));
        var audit = Assert.Single(await Leases.AuditAsync("product/1"), a => a.Action == "force-released");
        Assert.Equal("Bob is on holiday", audit.Reason);
        Assert.Equal("Alice", audit.UserName);
        Assert.Equal("alice-id", audit.UserId);
        Assert.Equal("Bob", audit.HolderName);
    }

    [Fact]
    public async Task Locks_AnEmptyReason_IsRefusedWithTheRule_AndNothingIsReleased()
    {
        await AcquireAsync(3);
        var cut = RenderPage<Locks>();
        cut.WaitForElement("[data-testid=force-release-product-3]");
        // Find and click in one step: the page re-renders every second (the countdowns).
        cut.ClickNow("[data-testid=force-release-product-3]");
        cut.WaitForElement("[data-testid=reason-ok]");
        Assert.Equal(LeaseOptions.ReasonMaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture), cut.Input("reason-input").GetAttribute("maxlength"));

        cut.ClickNow("[data-testid=reason-ok]");
        cut.WaitForAssertion(() => AssertShownOnceByTheField(cut, LeaseOptions.CheckReason(null)!));
        EnterReason(cut, "   ");
        cut.WaitForAssertion(() => AssertShownOnceByTheField(cut, LeaseOptions.CheckReason("   ")!));

        // The dialog stays open until the admin gives a reason or cancels.
        cut.ClickNow("[data-testid=reason-cancel]");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=reason-ok]")));
        Assert.NotNull(await Leases.GetAsync("product/3"));
        Assert.DoesNotContain(await Leases.AuditAsync("product/3"), a => a.Action == "force-released");
        Assert.NotNull(cut.Find("[data-testid=force-release-product-3]"));
    }

    /// <summary>The reason's error appears exactly once, as the field's own error text (which MudBlazor ties to the input for screen readers).</summary>
    private static void AssertShownOnceByTheField(IRenderedComponent<IComponent> cut, string error)
    {
        var shown = cut.FindAll("*").Where(e => e.ChildNodes.OfType<IText>().Any(t => t.Text.Trim() == error)).ToList();
        var only = Assert.Single(shown);
        Assert.NotNull(only.Closest(".mud-input-helper-text.mud-input-error"));
        Assert.NotNull(only.Closest("[data-testid=reason-dialog], .mud-dialog"));
    }

    [Fact]
    public async Task ReasonDialog_ARuleBroken_ShowsTheErrorOnce()
    {
        await AcquireAsync(7);
        var cut = RenderPage<Locks>();
        cut.WaitForElement("[data-testid=force-release-product-7]");
        // Find and click in one step: the page re-renders every second (the countdowns).
        cut.ClickNow("[data-testid=force-release-product-7]");
        cut.WaitForElement("[data-testid=reason-ok]");

        cut.ClickNow("[data-testid=reason-ok]");

        cut.WaitForAssertion(() => AssertShownOnceByTheField(cut, LeaseOptions.CheckReason(null)!));
        Assert.Equal("true", cut.Input("reason-input").GetAttribute("aria-invalid"));
    }

    private ProductStore Products => Services.GetRequiredService<ProductStore>();

    private OrderStore Orders => Services.GetRequiredService<OrderStore>();

    private async Task<(ProductSnapshot Product, OrderSnapshot Order)> RecordsAsync()
    {
        var product = Assert.IsType<SaveResult.Saved>(await Products.CreateAsync(new ProductValues("OAK-DES-001", "Oak desk", "A desk.", 100m, 10, false), Bob)).Current;
        var order = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("Acme Ltd", OrderStatus.Draft, string.Empty), Bob)).Current;
        return (product, order);
    }

    private static IElement ResourceCell(IElement row, string testId) => row.QuerySelector($"[data-testid={testId}]") ?? throw new ElementNotFoundException(testId);

    private static IElement RowWith(IRenderedComponent<IComponent> cut, string testId, string text) =>
        cut.FindAll($"[data-testid={testId}]").Single(e => e.TextContent.Trim() == text).Closest("tr") ?? throw new ElementNotFoundException(text);

    [Fact]
    public async Task Locks_ShowsSkuAndName_OrNumberAndCustomer_LinkedToTheRecord_AndAGoneRecordsKey()
    {
        var (product, order) = await RecordsAsync();
        await AcquireAsync(product.Id);
        Assert.IsType<AcquireResult.Granted>(await Leases.AcquireAsync(ResourceKey.ForOrder(order.Id), Bob, Session));
        await AcquireAsync(999_999);

        var cut = RenderPage<Locks>();

        cut.WaitForAssertion(() => Assert.Equal(3, Texts(cut, "lock-holder").Count));
        var productCell = ResourceCell(RowOf(cut, ResourceKey.ForProduct(product.Id)), "lock-resource");
        Assert.Equal("OAK-DES-001 · Oak desk", productCell.TextContent.Trim());
        Assert.Equal($"/products/{product.Id}", productCell.GetAttribute("href"));
        var orderCell = ResourceCell(RowOf(cut, ResourceKey.ForOrder(order.Id)), "lock-resource");
        Assert.Equal($"{order.Number} · Acme Ltd", orderCell.TextContent.Trim());
        Assert.Equal($"/orders/{order.Id}", orderCell.GetAttribute("href"));
        // No such product (any more): its key, and no link to a page that is not there.
        var goneCell = ResourceCell(RowOf(cut, "product/999999"), "lock-resource");
        Assert.Equal("product/999999", goneCell.TextContent.Trim());
        Assert.Null(goneCell.GetAttribute("href"));

        // The force-release dialog names the record the same way.
        cut.ClickNow($"[data-testid={Locks.TestIdFor(ResourceKey.ForProduct(product.Id))}]");
        cut.WaitForElement("[data-testid=reason-ok]");
        Assert.Contains("Force release OAK-DES-001 · Oak desk", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("Bob has OAK-DES-001 · Oak desk checked out since", cut.Find("[data-testid=reason-message]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(ResourceKey.ForProduct(product.Id), cut.Find("[data-testid=reason-message]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Locks_FetchesTheNamesOfAllRows_InOneQuery()
    {
        for (var i = 0; i < 6; i++)
        {
            var p = Assert.IsType<SaveResult.Saved>(await Products.CreateAsync(new ProductValues($"SKU-{i:000}", $"Thing {i}", "", 1m, 1, false), Bob)).Current;
            await AcquireAsync(p.Id);
        }

        var database = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString).Database!;
        var nameQueries = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                var tags = a.TagObjects.Select(t => t.Value?.ToString() ?? string.Empty).ToList();
                if (tags.Contains(database) && tags.Exists(t => t.Contains("FROM orders WHERE id = ANY", StringComparison.Ordinal)))
                {
                    Interlocked.Increment(ref nameQueries);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var cut = RenderPage<Locks>();

        cut.WaitForAssertion(() => Assert.Equal(Enumerable.Range(0, 6).Select(i => $"SKU-{i:000} · Thing {i}"), Texts(cut, "lock-resource")));
        Assert.Equal(1, Volatile.Read(ref nameQueries));
    }

    [Fact]
    public async Task Audit_ShowsSkuAndName_AndTimesInTheReadersZoneAndLanguage()
    {
        JSInterop.Setup<BrowserTime.BrowserClock?>("collab.browserClock").SetResult(new("Europe/Berlin", "de-DE"));
        var (product, _) = await RecordsAsync();
        await AcquireAsync(product.Id);
        var entry = Assert.Single(await Leases.AuditAsync(ResourceKey.ForProduct(product.Id)));

        var cut = RenderPage<Audit>();

        cut.WaitForAssertion(() => Assert.Equal(["OAK-DES-001 · Oak desk"], Texts(cut, "audit-resource")));
        Assert.Equal($"/products/{product.Id}", cut.Find("[data-testid=audit-resource]").GetAttribute("href"));
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        Assert.Equal(TimeZoneInfo.ConvertTime(entry.At, berlin).ToString("G", CultureInfo.GetCultureInfo("de-DE")), Texts(cut, "audit-at").Single());
    }

    [Fact]
    public async Task Locks_ShowsSinceInTheReadersZoneAndLanguage()
    {
        JSInterop.Setup<BrowserTime.BrowserClock?>("collab.browserClock").SetResult(new("America/New_York", "en-US"));
        var lease = await AcquireAsync(8);

        var cut = RenderPage<Locks>();

        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        cut.WaitForAssertion(() => Assert.Equal([TimeZoneInfo.ConvertTime(lease.AcquiredAt, newYork).ToString("G", CultureInfo.GetCultureInfo("en-US"))], Texts(cut, "lock-since")));
    }

    [Fact]
    public async Task Locks_ForceReleaseSelected_ReleasesOnlyTheCheckedRows()
    {
        await AcquireAsync(1);
        await AcquireAsync(2);
        await AcquireAsync(3);
        var cut = RenderPage<Locks>();
        cut.WaitForAssertion(() => Assert.Equal(3, Texts(cut, "lock-holder").Count));
        Assert.True(cut.Find("[data-testid=force-release-selected]").HasAttribute("disabled"));

        RowOf(cut, "product/1").QuerySelector("input[type=checkbox]")!.Change(true);
        RowOf(cut, "product/3").QuerySelector("input[type=checkbox]")!.Change(true);
        cut.WaitForAssertion(() => Assert.Contains("(2)", cut.Find("[data-testid=force-release-selected]").TextContent, StringComparison.Ordinal));
        cut.ClickNow("[data-testid=force-release-selected]");
        EnterReason(cut, "Clearing the weekend's leftovers");

        cut.WaitForAssertion(() => Assert.Equal(["product/2"], Texts(cut, "lock-resource")));
        Assert.Contains("Released 2 check-outs.", cut.Markup, StringComparison.Ordinal);
        Assert.Null(await Leases.GetAsync("product/1"));
        Assert.NotNull(await Leases.GetAsync("product/2"));
        Assert.Null(await Leases.GetAsync("product/3"));
        Assert.Equal(2, (await Leases.AuditAsync()).Count(a => a.Action == "force-released" && a.Reason == "Clearing the weekend's leftovers"));
    }

    [Fact]
    public async Task Locks_FlagsStaleLeases_AndForceReleasesAllStale()
    {
        await AcquireAsync(1);
        await AcquireAsync(2);
        // Bob's first tab stopped renewing 45 s ago (StaleAfter is 40 s by default); the lease has 15 s left.
        var db = Services.GetRequiredService<NpgsqlDataSource>();
        await using (var cmd = db.CreateCommand("UPDATE leases SET acquired_at = now() - interval '45 seconds', renewed_at = now() - interval '45 seconds', expires_at = now() + interval '15 seconds' WHERE resource_key = 'product/1'"))
        {
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        }

        var cut = RenderPage<Locks>();

        cut.WaitForAssertion(() => Assert.NotNull(RowOf(cut, "product/1").QuerySelector("[data-testid=stale]")));
        Assert.Null(RowOf(cut, "product/2").QuerySelector("[data-testid=stale]"));
        Assert.Matches(@"^expires in 0:1[0-5]$", RowOf(cut, "product/1").QuerySelector("[data-testid=lock-expires]")!.TextContent.Trim());
        Assert.Contains("(1)", cut.Find("[data-testid=force-release-stale]").TextContent, StringComparison.Ordinal);

        cut.ClickNow("[data-testid=force-release-stale]");
        EnterReason(cut, "Stale since this morning");

        cut.WaitForAssertion(() => Assert.Equal(["product/2"], Texts(cut, "lock-resource")));
        Assert.Null(await Leases.GetAsync("product/1"));
        Assert.NotNull(await Leases.GetAsync("product/2"));
        Assert.True(cut.Find("[data-testid=force-release-stale]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Locks_ReloadsOnALeaseEventFromTheFeed()
    {
        await AcquireAsync(1);
        var cut = RenderPage<Locks>();
        cut.WaitForElement("[data-testid=force-release-product-1]");

        var lease = await AcquireAsync(2);
        Feed.Publish(new ChangeEvent(ChangeKind.LeaseGranted, "product/2", lease.Fencing, "Bob"));

        cut.WaitForAssertion(() => Assert.Equal(["product/1", "product/2"], Texts(cut, "lock-resource")));
    }

    [Fact]
    public async Task Locks_ReloadsOnResync()
    {
        var cut = RenderPage<Locks>();
        cut.WaitForElement("[data-testid=locks-empty]");

        await AcquireAsync(4);
        Feed.Publish(ChangeEvent.Resync);

        cut.WaitForAssertion(() => Assert.Equal(["product/4"], Texts(cut, "lock-resource")));
    }

    [Fact]
    public async Task Locks_ForANonAdmin_TheEngineRefuses_AndNothingIsReleased()
    {
        // Should a non-admin ever reach the page, the server-side check in the engine still holds.
        SignInAlice(Roles.Editor);
        await AcquireAsync(5);
        var cut = RenderPage<Locks>();
        cut.WaitForElement("[data-testid=force-release-product-5]");
        // Find and click in one step: the page re-renders every second (the countdowns).
        cut.ClickNow("[data-testid=force-release-product-5]");
        EnterReason(cut, "Trying my luck");

        cut.WaitForAssertion(() => Assert.Contains("Only an administrator can force-release a check-out.", cut.Markup, StringComparison.Ordinal));
        Assert.NotNull(await Leases.GetAsync("product/5"));
        Assert.DoesNotContain(await Leases.AuditAsync("product/5"), a => a.Action == "force-released");
    }

    [Theory]
    [InlineData(typeof(Locks))]
    [InlineData(typeof(Audit))]
    public void AdminPages_RequireTheAdminRole(Type page)
    {
        var authorize = Assert.Single(page.GetCustomAttributes<AuthorizeAttribute>(inherit: true));
        Assert.Equal(Roles.Admin, authorize.Roles);
        Assert.NotNull(page.GetCustomAttribute<RouteAttribute>());
    }

    [Fact]
    public async Task ForceRelease_WithANonAdminActor_IsForbidden_AndReleasesNothing()
    {
        await AcquireAsync(6);

        var result = await Leases.ForceReleaseAsync("product/6", new Actor("carol-id", "Carol"), "I want it");

        Assert.IsType<LeaseChange.Forbidden>(result);
        Assert.NotNull(await Leases.GetAsync("product/6"));
        Assert.DoesNotContain(await Leases.AuditAsync("product/6"), a => a.Action == "force-released");
    }

    [Theory]
    [InlineData(Roles.Editor, false)]
    [InlineData(Roles.Admin, true)]
    public void ToActor_IsAdminOnlyWithTheAdminRole(string role, bool isAdmin)
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, "dave-id"), new Claim(ClaimTypes.Name, "dave"), new Claim(ClaimTypes.Role, role)],
            authenticationType: "test"));

        Assert.Equal(new Actor("dave-id", "dave", isAdmin), user.ToActor());
    }

    [Theory]
    [InlineData(Roles.Admin, true)]
    [InlineData(Roles.Editor, false)]
    public void Layout_ShowsTheAdminMenu_OnlyToAdministrators(string role, bool shown)
    {
        SignInAlice(role);
        Services.AddSingleton<Microsoft.AspNetCore.Components.Forms.AntiforgeryStateProvider, NoAntiforgery>();

        var cut = Render<Components.Layout.MainLayout>(p => p.Add(x => x.Body, (RenderFragment)(b => b.AddContent(0, "page"))));

        Assert.Equal("Alice", cut.Find("[data-testid=current-user]").TextContent.Trim());
        Assert.Equal(shown, cut.FindAll("[data-testid=admin-menu]").Count > 0);
    }

    private sealed class NoAntiforgery : Microsoft.AspNetCore.Components.Forms.AntiforgeryStateProvider
    {
        public override Microsoft.AspNetCore.Components.Forms.AntiforgeryRequestToken? GetAntiforgeryToken() => null;
    }

    [Fact]
    public async Task Audit_ListsNewestFirst_AndFiltersByResourceAndUser()
    {
        await AcquireAsync(1);
        await AcquireAsync(2);
        Assert.IsType<LeaseChange.Done>(await Leases.ForceReleaseAsync("product/1", AliceAdmin, "Bob is away"));

        var cut = RenderPage<Audit>();

        cut.WaitForAssertion(() => Assert.Equal(["force-released", "granted", "granted"], Texts(cut, "audit-action")));
        Assert.Equal(["product/1", "product/2", "product/1"], Texts(cut, "audit-resource"));
        Assert.Equal(["Alice", "Bob", "Bob"], Texts(cut, "audit-by"));
        Assert.Equal(["Bob", "Bob", "Bob"], Texts(cut, "audit-holder"));
        Assert.Equal("Bob is away", Texts(cut, "audit-reason")[0]);
        Assert.NotNull(cut.Find("[data-testid=audit-grid]"));

        cut.Input("audit-filter-resource").Input("product/2");
        cut.WaitForAssertion(() => Assert.Equal(["product/2"], Texts(cut, "audit-resource")));

        cut.Input("audit-filter-resource").Input("");
        cut.Input("audit-filter-user").Input("ali");
        cut.WaitForAssertion(() => Assert.Equal(["force-released"], Texts(cut, "audit-action")));
    }

    [Fact]
    public async Task Audit_ShowsNewEventsFromTheFeed()
    {
        await AcquireAsync(1);
        var cut = RenderPage<Audit>();
        cut.WaitForAssertion(() => Assert.Equal(["granted"], Texts(cut, "audit-action")));

        var lease = await AcquireAsync(2);
        Feed.Publish(new ChangeEvent(ChangeKind.LeaseGranted, "product/2", lease.Fencing, "Bob"));

        cut.WaitForAssertion(() => Assert.Equal(["product/2", "product/1"], Texts(cut, "audit-resource")));
    }

    [GeneratedRegex(@"^expires in (0:[0-5]\d|1:00)$")]
    private static partial Regex CountdownPattern();
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Users;
using CollabEditor.Data.Seeding;
using CollabEditor.Data.Users;
using CollabEditor.WebApp.Account;
using CollabEditor.WebApp.Changes;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static CollabEditor.WebApp.Tests.ApiClient;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// Issue 13 "Nothing is revoked": signing out, disabling a user, changing their role or password ends
/// their sessions at once on every instance (two instances on one database, as behind a load balancer).
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed partial class RevocationTests(TwoInstances apps, BrowserFixture browser, ITestOutputHelper output) : IClassFixture<TwoInstances>
{
    private static readonly TimeSpan AtOnce = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task ASignedOutCookie_NoLongerOpensAPage()
    {
        var name = await NewUserAsync(Roles.Editor);
        var cookies = await SignIn.CookiesAsync(apps.A.BaseAddress, name);
        var stolen = cookies.GetCookieHeader(apps.A.BaseAddress);
        using (var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = apps.A.BaseAddress })
        {
            var page = await client.GetStringAsync("/products");
            var token = WebUtility.HtmlDecode(AntiforgeryToken().Match(page).Groups[1].Value);
            using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token });
            using var signOut = await client.PostAsync("/account/logout", form);
            Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        }

        // The cookie as it was before signing out (copied by whoever could read it), on both instances.
        foreach (var app in new[] { apps.A, apps.B })
        {
            using var replay = ClientWithCookieHeader(app.BaseAddress, stolen);
            using var response = await replay.GetAsync("/products");
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ADisabledUsersBearerToken_Gets401WithinTwoSeconds_OnBothInstances()
    {
        var name = await NewUserAsync(Roles.Editor);
        using var onA = await SignedInAsync(apps.A.BaseAddress, name);
        using var onB = Anonymous(apps.B.BaseAddress);
        onB.DefaultRequestHeaders.Authorization = onA.DefaultRequestHeaders.Authorization;
        // Warm both caches: the token works everywhere and writes.
        Assert.Equal(HttpStatusCode.OK, (await onA.GetAsync("/api/products?pageSize=1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/api/products?pageSize=1")).StatusCode);
        var (id, product) = await AnyProductAsync(onB);
        using (var put = await onB.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", product.Body, ifMatch: product.ETag)))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await DisableAsync(apps.A, name);
        var disabled = Stopwatch.StartNew();
        await Task.WhenAll(Until401Async(onA, disabled), Until401Async(onB, disabled));

        // And a write from that token, on the other instance, is refused.
        using var alice = await SignedInAsync(apps.B.BaseAddress, "alice");
        var again = await AnyProductAsync(alice);
        using var write = await onB.SendAsync(Request(HttpMethod.Put, $"/api/products/{again.Id}", again.Product.Body, ifMatch: again.Product.ETag));
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
    }

    [Fact]
    public async Task LockoutWithoutANewStamp_StillEndsTheSessions()
    {
        // Whoever disables a user by hand (SQL) may not touch the stamp: a lockout with no end is enough.
        var name = await NewUserAsync(Roles.Editor);
        using var client = await SignedInAsync(apps.B.BaseAddress, name);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/products?pageSize=1")).StatusCode);
        await WithUserAsync(apps.A, name, async (users, user) =>
        {
            await users.SetLockoutEnabledAsync(user, true);
            await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
        });
        await Until401Async(client, Stopwatch.StartNew());
    }

    [Fact]
    public async Task ATemporaryLockout_DoesNotEndTheOwnersSessions()
    {
        // Ten wrong passwords from anyone must not sign the account's owner out (only new sign-ins wait).
        var name = await NewUserAsync(Roles.Editor);
        using var client = await SignedInAsync(apps.B.BaseAddress, name);
        await WithUserAsync(apps.A, name, (users, user) => users.SetLockoutEndDateAsync(user, TimeProvider.System.GetUtcNow().AddMinutes(5)));
        await Task.Delay(500);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/products?pageSize=1")).StatusCode);
    }

    [Fact]
    public async Task ARoleChange_TakesEffectAtOnce_OnCookiesAndTokens()
    {
        var name = await NewUserAsync(Roles.Admin);
        var cookies = await SignIn.CookiesAsync(apps.A.BaseAddress, name);
        using var page = ClientWithCookieHeader(apps.B.BaseAddress, cookies.GetCookieHeader(apps.A.BaseAddress));
        using var api = await SignedInAsync(apps.A.BaseAddress, name);
        Assert.Equal(HttpStatusCode.OK, (await page.GetAsync("/admin/locks")).StatusCode);

        // Admin → Editor: the admin page refuses at once; editing still works.
        await WithUserAsync(apps.A, name, async (users, user) =>
        {
            await users.RemoveFromRoleAsync(user, Roles.Admin);
            await users.AddToRoleAsync(user, Roles.Editor);
        });
        var changed = Stopwatch.StartNew();
        await UntilAsync(async () => (await page.GetAsync("/admin/locks")).StatusCode == HttpStatusCode.Forbidden, changed, "the admin page refused the former admin");
        Assert.Equal(HttpStatusCode.OK, (await page.GetAsync("/products")).StatusCode);

        // Editor → no role: the API refuses writes and reads that need the role.
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/products?pageSize=1")).StatusCode);
        await WithUserAsync(apps.B, name, (users, user) => users.RemoveFromRoleAsync(user, Roles.Editor));
        changed.Restart();
        await UntilAsync(async () => (await api.GetAsync("/api/products?pageSize=1")).StatusCode == HttpStatusCode.Forbidden, changed, "the API refused the user without a role");
    }

    [Fact]
    public async Task APasswordChangedByAnotherSession_EndsTheOldCookie()
    {
        var name = await NewUserAsync(Roles.Editor);
        var cookies = await SignIn.CookiesAsync(apps.A.BaseAddress, name);
        using var old = ClientWithCookieHeader(apps.B.BaseAddress, cookies.GetCookieHeader(apps.A.BaseAddress));
        Assert.Equal(HttpStatusCode.OK, (await old.GetAsync("/products")).StatusCode);

        await WithUserAsync(apps.A, name, (users, user) => users.ChangePasswordAsync(user, DemoData.DemoPassword, "An0ther!Passw0rd"));
        var changed = Stopwatch.StartNew();
        await UntilAsync(async () => (await old.GetAsync("/products")).StatusCode == HttpStatusCode.Redirect, changed, "the old cookie was sent to sign in");
    }

    [Fact]
    public async Task Refresh_WorksForAnActiveUser_AndIs401OnceDisabled_AndTokensAreShort()
    {
        var name = await NewUserAsync(Roles.Editor);
        using var anonymous = Anonymous(apps.A.BaseAddress);
        using var signIn = await anonymous.PostAsJsonAsync("/api/auth/token", new { userName = name, password = DemoData.DemoPassword });
        var tokens = await signIn.JsonAsync();
        Assert.Equal(600, tokens.GetProperty("expiresIn").GetInt64());

        using var onB = Anonymous(apps.B.BaseAddress);
        using var refreshed = await onB.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = tokens.GetProperty("refreshToken").GetString() });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var renewed = await refreshed.JsonAsync();
        onB.DefaultRequestHeaders.Authorization = new("Bearer", renewed.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/api/products?pageSize=1")).StatusCode);

        using var missing = await anonymous.PostAsJsonAsync("/api/auth/refresh", new { });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("RefreshToken", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var bogus = await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = "not-a-token" });
        Assert.Equal(HttpStatusCode.Unauthorized, bogus.StatusCode);

        await DisableAsync(apps.B, name);
        using var refused = await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = renewed.GetProperty("refreshToken").GetString() });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);

        var openApi = await anonymous.GetStringAsync("/openapi/v1.json");
        Assert.Contains("\"/api/auth/refresh\"", openApi, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADisabledUsersHubConnection_IsClosedWithinTwoSeconds()
    {
        var name = await NewUserAsync(Roles.Editor);
        var token = await TokenAsync(apps.B.BaseAddress, name);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(apps.B.BaseAddress, ChangesHub.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await hub.StartAsync();
        await hub.InvokeAsync<long>(nameof(ChangesHub.JoinCollection), "products");

        await DisableAsync(apps.A, name);
        var disabled = Stopwatch.StartNew();
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(disabled.Elapsed < AtOnce, $"the hub connection closed after {disabled.ElapsedMilliseconds} ms");
        Took("the hub connection closed", disabled);

        // Reconnecting with the same token is refused.
        await using var again = new HubConnectionBuilder()
            .WithUrl(new Uri(apps.A.BaseAddress, ChangesHub.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        await Assert.ThrowsAsync<HttpRequestException>(() => again.StartAsync());
    }

    [Fact]
    public async Task ADisabledUsersOpenPage_IsSignedOutWithinTwoSeconds_OnTheOtherInstance()
    {
        var name = await NewUserAsync(Roles.Editor);
        using var alice = await SignedInAsync(apps.A.BaseAddress, "alice");
        var (id, _) = await AnyProductAsync(alice);
        var page = await browser.SignInAsync(apps.B.BaseAddress, name);
        await page.GotoAsync($"/products/{id}");
        await Assertions.Expect(page.Locator("[data-testid=save]")).ToBeVisibleAsync();
        // The circuit is up (the page reacts to input).
        await BrowserFixture.Field(page, "Stock").FillAsync("777");

        await DisableAsync(apps.A, name);
        var disabled = Stopwatch.StartNew();
        await page.WaitForURLAsync("**/account/login**", new() { Timeout = 5000 });
        Assert.True(disabled.Elapsed < AtOnce, $"the open page was signed out after {disabled.ElapsedMilliseconds} ms");
        Took("the open page went to sign-in", disabled);
        await page.Context.CloseAsync();
        using var check = await alice.GetAsync($"/api/products/{id}");
        Assert.NotEqual(777, (await check.JsonAsync()).GetProperty("stock").GetInt32());
    }

    [Fact]
    public async Task ARevokedCircuit_IsRefusedEverythingItSends_EvenBeforeThePageReacts()
    {
        // The server side of "cannot save": the guard re-checks the account before each inbound activity.
        var name = await NewUserAsync(Roles.Editor);
        await using var scope = apps.B.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var users = sp.GetRequiredService<UserManager<AppUser>>();
        var principal = await sp.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>().CreateAsync((await users.FindByNameAsync(name))!);
        var account = sp.GetRequiredService<CircuitAccount>();
        Assert.Same(account, sp.GetRequiredService<AuthenticationStateProvider>());
        account.SetAuthenticationState(Task.FromResult(new AuthenticationState(principal)));
        var guard = sp.GetServices<CircuitHandler>().OfType<CircuitAccountGuard>().Single();
        var acted = 0;
        var handler = guard.CreateInboundActivityHandler(_ =>
        {
            acted++;
            return Task.CompletedTask;
        });

        await handler(null!);
        Assert.Equal(1, acted);

        await DisableAsync(apps.A, name);
        var disabled = Stopwatch.StartNew();
        await UntilAsync(async () =>
        {
            await handler(null!);
            return account.Revoked;
        }, disabled, "the circuit was revoked");
        var before = acted;
        await handler(null!);
        Assert.Equal(before, acted);
        Assert.False((await account.GetAuthenticationStateAsync()).User.Identity!.IsAuthenticated);
    }

    [Fact]
    public async Task HubClients_NeverReceiveAccountEvents_NorLoseTheirConnectionOverSomeoneElsesChange()
    {
        var watcher = await NewUserAsync(Roles.Editor);
        var other = await NewUserAsync(Roles.Editor);
        var token = await TokenAsync(apps.B.BaseAddress, watcher);
        var received = new System.Collections.Concurrent.ConcurrentQueue<ChangeEvent>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(apps.B.BaseAddress, ChangesHub.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        hub.On<ChangeEvent>(nameof(IChangeClient.Changed), received.Enqueue);
        await hub.StartAsync();
        await hub.InvokeAsync<long>(nameof(ChangesHub.JoinCollection), "products");

        await DisableAsync(apps.A, other);
        await WithUserAsync(apps.A, watcher, (users, user) => users.SetLockoutEndDateAsync(user, null));
        // A save after the account changes: once it arrives, anything sent before it would have too.
        using var alice = await SignedInAsync(apps.A.BaseAddress, "alice");
        var (id, product) = await AnyProductAsync(alice);
        using (var put = await alice.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", product.Body, ifMatch: product.ETag)))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var key = ResourceKey.ForProduct(id);
        await UntilAsync(() => Task.FromResult(received.Any(e => e.Key == key)), Stopwatch.StartNew(), "the save reached the hub client");
        Assert.DoesNotContain(received, e => e.Kind == ChangeKind.AccountChanged || e.Key.StartsWith("user/", StringComparison.Ordinal));
        Assert.Equal(HubConnectionState.Connected, hub.State);
    }

    private static HttpClient ClientWithCookieHeader(Uri address, string cookieHeader)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = address };
        client.DefaultRequestHeaders.Add("Cookie", cookieHeader);
        return client;
    }

    private async Task<string> NewUserAsync(string role)
    {
        var name = "rev-" + Guid.NewGuid().ToString("N")[..10];
        await using var scope = apps.A.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = new AppUser { UserName = name, DisplayName = name };
        Check(await users.CreateAsync(user, DemoData.DemoPassword));
        Check(await users.AddToRoleAsync(user, role));
        return name;
    }

    /// <summary>What the Users page and the CLI do to disable someone.</summary>
    private static Task DisableAsync(AppHost app, string name) => WithUserAsync(app, name, async (users, user) =>
    {
        Check(await users.SetLockoutEnabledAsync(user, true));
        Check(await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue));
        Check(await users.UpdateSecurityStampAsync(user));
    });

    private static async Task WithUserAsync(AppHost app, string name, Func<UserManager<AppUser>, AppUser, Task> change)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        await change(users, (await users.FindByNameAsync(name))!);
    }

    private static Task WithUserAsync(AppHost app, string name, Func<UserManager<AppUser>, AppUser, Task<IdentityResult>> change) =>
        WithUserAsync(app, name, async (UserManager<AppUser> users, AppUser user) => { Check(await change(users, user)); });

    private static IdentityResult Check(IdentityResult result) =>
        result.Succeeded ? result : throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));

    private static async Task<(int Id, (object Body, string ETag) Product)> AnyProductAsync(HttpClient client)
    {
        var list = await (await client.GetAsync("/api/products?pageSize=50")).JsonAsync();
        var id = list.GetProperty("items").EnumerateArray().First(p => !p.GetProperty("requiresCheckout").GetBoolean()).GetProperty("id").GetInt32();
        using var one = await client.GetAsync($"/api/products/{id}");
        var p = await one.JsonAsync();
        var body = new
        {
            sku = p.GetProperty("sku").GetString(),
            name = p.GetProperty("name").GetString(),
            description = p.GetProperty("description").GetString(),
            price = p.GetProperty("price").GetDecimal(),
            stock = p.GetProperty("stock").GetInt32() + 1,
            requiresCheckout = false,
        };
        return (id, (body, one.Headers.ETag!.Tag));
    }

    private Task Until401Async(HttpClient client, Stopwatch since) =>
        UntilAsync(async () => (await client.GetAsync("/api/products?pageSize=1")).StatusCode == HttpStatusCode.Unauthorized, since, "the token was refused");

    private async Task UntilAsync(Func<Task<bool>> condition, Stopwatch since, string what)
    {
        while (!await condition())
        {
            Assert.True(since.Elapsed < AtOnce, $"not within {AtOnce.TotalSeconds} s: {what}");
            await Task.Delay(20);
        }

        Assert.True(since.Elapsed < AtOnce, $"{what} after {since.ElapsedMilliseconds} ms");
        Took(what, since);
    }

    private void Took(string what, Stopwatch since) => output.WriteLine($"{what}: {since.ElapsedMilliseconds} ms");

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}

using System.Globalization;
using System.Net;
using System.Text;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Users;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using CollabEditor.Data.Seeding;
using CollabEditor.Data.Users;
using CollabEditor.WebApp.Changes;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// Who may do what, over the real port: every page route, every hub method and every HTTP endpoint,
/// for an anonymous caller, an Editor (alice) and an Admin (admin). Each test prints its whole table.
/// </summary>
public sealed class AuthorizationMatrixTests(AppHost host, ITestOutputHelper output) : IClassFixture<AppHost>
{
    // Ids that exist nowhere: writes reach their handler (404/400/409) and change nothing.
    private const int Unknown = 999_999;
    private const string SignInLabel = "302 -> sign-in";
    private const string AccessDeniedLabel = "403 access denied";
    private const string AdminNeeded = "This page needs the Admin role.";
    private const string AllowedLabel = "allowed";

    private static readonly Who[] Everyone = [Who.Anonymous, Who.Editor, Who.Admin];

    private enum Who
    {
        Anonymous,
        Editor,
        Admin,
    }

    /// <summary>Who a route is for: anyone, editors and admins, or admins only.</summary>
    private enum Audience
    {
        Public,
        Editors,
        Admins,
    }

    private sealed record Cell(Who Who, string Expected, string Actual, string Detail)
    {
        public bool Pass => Expected == Actual;
    }

    private sealed record Line(string Target, IReadOnlyList<Cell> Cells);

    private static string UserName(Who who) => who == Who.Admin ? "admin" : "alice";

    /// <summary>How the access-denied page introduces the signed-in user.</summary>
    private static string WhoIs(Who who) => who == Who.Admin ? "You are signed in as Admin (Admin)." : "You are signed in as Alice (Editor).";

    private async Task<(int Product, int Order)> RealIdsAsync()
    {
        var product = (await host.Services.GetRequiredService<ProductStore>().ListAsync(new ProductQuery(PageSize: 1))).Items[0].Id;
        var order = (await host.Services.GetRequiredService<OrderStore>().ListAsync(new OrderQuery(PageSize: 1))).Items[0].Id;
        return (product, order);
    }

    private async Task<int> FirstCustomerAsync() =>
        (await host.Services.GetRequiredService<Data.Customers.CustomerStore>().ListAsync(new Data.Customers.CustomerQuery(PageSize: 1))).Items[0].Id;

    private async Task<CookieContainer?> CookiesAsync(Who who) =>
        who == Who.Anonymous ? null : await SignIn.CookiesAsync(host.BaseAddress, UserName(who));

    // ---------------------------------------------------------------- pages

    [Fact]
    public async Task Pages_EveryRoute_ForAnonymousEditorAndAdmin()
    {
        var (product, order) = await RealIdsAsync();
        // The router is static (per-page interactivity), so every rule is decided on the server per request.
        (string Route, Audience Audience, string Allowed)[] pages =
        [
            ("/", Audience.Editors, "302 /products"),
            ("/products", Audience.Editors, "200"),
            ("/products/new", Audience.Editors, "200"),
            ($"/products/{product}", Audience.Editors, "200"),
            ("/orders", Audience.Editors, "200"),
            ("/orders/new", Audience.Editors, "200"),
            ($"/orders/{order}", Audience.Editors, "200"),
            ("/customers", Audience.Editors, "200"),
            ("/customers/new", Audience.Editors, "200"),
            ($"/customers/{await FirstCustomerAsync()}", Audience.Editors, "200"),
            ("/admin/locks", Audience.Admins, "200"),
            ("/admin/audit", Audience.Admins, "200"),
            ("/account/login", Audience.Public, "200"),
        ];

        var clients = new Dictionary<Who, HttpClient>();
        try
        {
            foreach (var who in Everyone)
            {
                var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = await CookiesAsync(who) ?? new CookieContainer() };
                clients[who] = new HttpClient(handler) { BaseAddress = host.BaseAddress };
            }

            var lines = new List<Line>();
            foreach (var (route, audience, allowed) in pages)
            {
                var cells = new List<Cell>();
                foreach (var who in Everyone)
                {
                    // Anonymous → sign-in; a signed-in user without the role → "access denied" at the same address
                    // (sending a signed-in user to the sign-in form only loops).
                    var expected = Allowed(audience, who) ? allowed : who == Who.Anonymous ? SignInLabel : AccessDeniedLabel;
                    using var response = await clients[who].GetAsync(route);
                    var body = await response.Content.ReadAsStringAsync();
                    var location = response.Headers.Location is { } l ? new Uri(host.BaseAddress, l) : null;
                    var actual = response.StatusCode switch
                    {
                        HttpStatusCode.OK => "200",
                        // A denial must not carry the page: no body at all.
                        HttpStatusCode.Redirect when location?.AbsolutePath == "/account/login"
                            && location.Query == "?ReturnUrl=" + Uri.EscapeDataString(route)
                            && body.Length == 0 => SignInLabel,
                        // Named role, and nothing of the page: a static page has no interactive component marker at all.
                        HttpStatusCode.Forbidden when location is null
                            && body.Contains(WhoIs(who) + " " + AdminNeeded, StringComparison.Ordinal)
                            && !body.Contains("<!--Blazor:", StringComparison.Ordinal) => AccessDeniedLabel,
                        // An allowed redirect elsewhere (the home page to /products).
                        HttpStatusCode.Redirect when location is not null && location.AbsolutePath != "/account/login" => $"302 {location.PathAndQuery}",
                        var code => $"{(int)code} {location?.PathAndQuery}{(body.Length > 0 ? " +body" : string.Empty)}",
                    };
                    cells.Add(new(who, expected, actual, $"{(int)response.StatusCode}{(location is null ? string.Empty : " " + location.PathAndQuery)}"));
                }

                lines.Add(new($"GET {route}", cells));
            }

            Report("Pages (cookie sign-in, no auto-redirect)", lines);
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
    }

    // ---------------------------------------------------------------- hub

    [Fact]
    public async Task ChangesHub_ConnectAndEveryMethod_ForAnonymousEditorAndAdmin()
    {
        var (product, _) = await RealIdsAsync();
        (string Method, string Argument)[] methods =
        [
            (nameof(ChangesHub.JoinCollection), "products"),
            (nameof(ChangesHub.JoinResource), $"product/{product}"),
            (nameof(ChangesHub.LeaveResource), $"product/{product}"),
            (nameof(ChangesHub.LeaveCollection), "products"),
        ];

        var connect = new List<Cell>();
        var calls = methods.ToDictionary(m => m.Method, _ => new List<Cell>());
        foreach (var who in Everyone)
        {
            var expected = Allowed(Audience.Editors, who) ? AllowedLabel : "401";
            var cookies = await CookiesAsync(who);
            await using var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(host.BaseAddress, ChangesHub.Path), o =>
                {
                    if (cookies is not null)
                    {
                        o.Cookies = cookies;
                    }
                })
                .Build();
            var connected = await OutcomeAsync(() => connection.StartAsync());
            connect.Add(new(who, expected, connected, connected));
            foreach (var (method, argument) in methods)
            {
                // Without a connection no method can be called at all: the refusal is the connect's.
                var outcome = connection.State == HubConnectionState.Connected
                    ? await OutcomeAsync(() => connection.InvokeAsync(method, argument))
                    : connected;
                calls[method].Add(new(who, expected, outcome, outcome));
            }
        }

        Report("ChangesHub /hubs/changes (cookie sign-in)", [new("connect", connect), .. methods.Select(m => new Line($"{m.Method}(\"{m.Argument}\")", calls[m.Method]))]);
    }

    [Fact]
    public async Task ChangesHub_WithABearerToken_ForEditorAndAdmin()
    {
        // Programs sign in for bearer tokens (POST /api/auth/token); the hub is documented as the live feed for programs.
        var cells = new List<Cell>();
        foreach (var who in new[] { Who.Editor, Who.Admin })
        {
            var token = await ApiClient.TokenAsync(host.BaseAddress, UserName(who));
            await using var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(host.BaseAddress, ChangesHub.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
                .Build();
            var outcome = await OutcomeAsync(() => connection.StartAsync());
            if (outcome == AllowedLabel)
            {
                outcome = await OutcomeAsync(() => connection.InvokeAsync(nameof(ChangesHub.JoinCollection), "products"));
            }

            cells.Add(new(who, AllowedLabel, outcome, outcome));
        }

        Report("ChangesHub /hubs/changes (bearer token)", [new("connect + JoinCollection(\"products\")", cells)]);
    }

    private static async Task<string> OutcomeAsync(Func<Task> call)
    {
        try
        {
            await call();
            return AllowedLabel;
        }
        catch (HttpRequestException ex) when (ex.StatusCode is { } status)
        {
            return ((int)status).ToString(CultureInfo.InvariantCulture);
        }
        catch (HubException ex)
        {
            return "refused: " + ex.Message;
        }
    }

    // ---------------------------------------------------------------- HTTP API

    [Fact]
    public async Task Api_EveryEndpoint_ForAnonymousEditorAndAdmin()
    {
        var (product, order) = await RealIdsAsync();
        var endpoints = new (HttpMethod Method, string Path, Audience Audience, Func<Who, object?> Body, string? IfMatch)[]
        {
            (HttpMethod.Post, "/api/auth/token", Audience.Public, who => new { userName = UserName(who), password = DemoData.DemoPassword }, null),
            (HttpMethod.Get, "/api/products", Audience.Editors, _ => null, null),
            (HttpMethod.Get, $"/api/products/{product}", Audience.Editors, _ => null, null),
            (HttpMethod.Post, "/api/products", Audience.Editors, _ => new { }, null), // invalid: 400, nothing created
            (HttpMethod.Put, $"/api/products/{Unknown}", Audience.Editors, _ => new { sku = "X-1", name = "x" }, "\"1\""),
            (HttpMethod.Delete, $"/api/products/{Unknown}", Audience.Editors, _ => null, "\"1\""),
            (HttpMethod.Get, "/api/orders", Audience.Editors, _ => null, null),
            (HttpMethod.Get, $"/api/orders/{order}", Audience.Editors, _ => null, null),
            (HttpMethod.Post, "/api/orders", Audience.Editors, _ => new { customerName = "" }, null), // invalid: 400, nothing created
            (HttpMethod.Put, $"/api/orders/{Unknown}", Audience.Editors, _ => new { customerName = "x", lines = Array.Empty<object>() }, "\"1\""),
            (HttpMethod.Delete, $"/api/orders/{Unknown}", Audience.Editors, _ => null, "\"1\""),
            (HttpMethod.Get, "/api/customers", Audience.Editors, _ => null, null),
            (HttpMethod.Get, $"/api/customers/{Unknown}", Audience.Editors, _ => null, null),
            (HttpMethod.Post, "/api/customers", Audience.Editors, _ => new { }, null), // invalid: 400, nothing created
            (HttpMethod.Put, $"/api/customers/{Unknown}", Audience.Editors, _ => new { name = "x", email = "", phone = "", address = "", notes = "" }, "\"1\""),
            (HttpMethod.Delete, $"/api/customers/{Unknown}", Audience.Editors, _ => null, "\"1\""),
            (HttpMethod.Get, $"/api/customers/{Unknown}/history", Audience.Editors, _ => null, null),
            (HttpMethod.Post, $"/api/customers/{Unknown}/history/1/restore", Audience.Editors, _ => null, "\"1\""),
            (HttpMethod.Post, $"/api/leases/customer/{Unknown}", Audience.Editors, _ => null, null),
            (HttpMethod.Post, $"/api/leases/customer/{Unknown}/force-release", Audience.Admins, _ => new { reason = "authorization matrix" }, null),
            (HttpMethod.Post, $"/api/leases/product/{Unknown}", Audience.Editors, _ => null, null),
            (HttpMethod.Put, $"/api/leases/product/{Unknown}", Audience.Editors, _ => null, null),
            (HttpMethod.Delete, $"/api/leases/product/{Unknown}", Audience.Editors, _ => null, null),
            (HttpMethod.Post, $"/api/leases/product/{Unknown}/force-release", Audience.Admins, _ => new { reason = "authorization matrix" }, null),
            (HttpMethod.Post, $"/api/leases/order/{Unknown}/force-release", Audience.Admins, _ => new { reason = "authorization matrix" }, null),
            (HttpMethod.Get, $"/api/products/{product}/history", Audience.Editors, _ => null, null),
            (HttpMethod.Get, $"/api/orders/{order}/history", Audience.Editors, _ => null, null),
            (HttpMethod.Post, $"/api/products/{Unknown}/history/1/restore", Audience.Editors, _ => null, "\"1\""),
            (HttpMethod.Post, $"/api/orders/{Unknown}/history/1/restore", Audience.Editors, _ => null, "\"1\""),
            (HttpMethod.Get, "/openapi/v1.json", Audience.Public, _ => null, null),
            (HttpMethod.Get, "/health", Audience.Public, _ => null, null),
            (HttpMethod.Get, "/health/ready", Audience.Public, _ => null, null),
        };

        var clients = new Dictionary<Who, HttpClient>
        {
            [Who.Anonymous] = ApiClient.Anonymous(host.BaseAddress),
            [Who.Editor] = await ApiClient.SignedInAsync(host.BaseAddress, "alice"),
            [Who.Admin] = await ApiClient.SignedInAsync(host.BaseAddress, "admin"),
        };
        try
        {
            var lines = new List<Line>();
            foreach (var (method, path, audience, body, ifMatch) in endpoints)
            {
                var cells = new List<Cell>();
                foreach (var who in Everyone)
                {
                    var expected = Allowed(audience, who) ? AllowedLabel : who == Who.Anonymous ? "401" : "403";
                    using var request = ApiClient.Request(method, path, body(who), ifMatch);
                    using var response = await clients[who].SendAsync(request);
                    var code = (int)response.StatusCode;
                    var actual = code is 401 or 403 ? code.ToString(CultureInfo.InvariantCulture) : AllowedLabel;
                    cells.Add(new(who, expected, actual, code.ToString(CultureInfo.InvariantCulture)));
                }

                lines.Add(new($"{method.Method} {path}", cells));
            }

            Report("HTTP API (bearer tokens)", lines);
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
    }

    // ---------------------------------------------------------------- force-release, every path

    [Fact]
    public async Task ForceRelease_AnEditorIsRefused_ByTheApi_TheEngine_AndThePage_WhileAnAdminSucceeds()
    {
        var (product, _) = await RealIdsAsync();
        var key = ResourceKey.ForProduct(product);
        var leases = host.Services.GetRequiredService<LeaseStore>();
        using var scope = host.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var bob = await users.FindByNameAsync("bob");
        Assert.IsType<AcquireResult.Granted>(await leases.AcquireAsync(key, new Actor(bob!.Id, "Bob"), "matrix-session"));

        // API: the Admin policy stops an Editor before the handler runs.
        using var alice = await ApiClient.SignedInAsync(host.BaseAddress, "alice");
        using var editorRequest = ApiClient.Request(HttpMethod.Post, $"/api/leases/{key}/force-release", new { reason = "Editor trying" });
        using var editorTry = await alice.SendAsync(editorRequest);
        Assert.Equal(HttpStatusCode.Forbidden, editorTry.StatusCode);
        Assert.NotNull(await leases.GetAsync(key));

        // Engine: whatever calls it, a non-admin actor is refused (the Locks page goes through this same call).
        var aliceUser = await users.FindByNameAsync("alice");
        Assert.IsType<LeaseChange.Forbidden>(await leases.ForceReleaseAsync(key, new Actor(aliceUser!.Id, "Alice", IsAdmin: false), "Editor trying"));
        Assert.NotNull(await leases.GetAsync(key));

        // Page: the Locks page itself is not served to an Editor; she is told which role it needs.
        var cookies = await SignIn.CookiesAsync(host.BaseAddress, "alice");
        using (var pages = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = host.BaseAddress })
        using (var locksPage = await pages.GetAsync("/admin/locks"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, locksPage.StatusCode);
            Assert.Contains("You are signed in as Alice (Editor). " + AdminNeeded, await locksPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(await leases.AuditAsync(key), a => a.Action == "force-released");

        // The Admin, by the same API route, succeeds.
        using var admin = await ApiClient.SignedInAsync(host.BaseAddress, "admin");
        using var adminRequest = ApiClient.Request(HttpMethod.Post, $"/api/leases/{key}/force-release", new { reason = "Admin clearing" });
        using var adminTry = await admin.SendAsync(adminRequest);
        Assert.Equal(HttpStatusCode.NoContent, adminTry.StatusCode);
        Assert.Null(await leases.GetAsync(key));
        output.WriteLine($"force-release {key}: Editor API 403, Editor engine Forbidden, Editor /admin/locks 403 access denied; Admin API 204 (lease gone)");
    }

    // ---------------------------------------------------------------- helpers

    private static bool Allowed(Audience audience, Who who) => audience switch
    {
        Audience.Public => true,
        Audience.Editors => who != Who.Anonymous,
        _ => who == Who.Admin,
    };

    /// <summary>Prints the table (target × role: actual, with the expectation when it differs) and fails on any mismatch.</summary>
    private void Report(string title, IReadOnlyList<Line> lines)
    {
        var width = lines.Max(l => l.Target.Length);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"== {title} ==");
        var columns = lines[0].Cells.Select(c => (c.Who switch { Who.Editor => "editor (alice)", Who.Admin => "admin", _ => "anonymous" }).PadRight(22));
        text.AppendLine(CultureInfo.InvariantCulture, $"{"".PadRight(width)} | {string.Join(" | ", columns)}");
        foreach (var line in lines)
        {
            var cells = line.Cells.Select(c => (c.Pass ? $"{c.Detail}" : $"{c.Detail} MISMATCH(expected {c.Expected})").PadRight(22));
            text.AppendLine(CultureInfo.InvariantCulture, $"{line.Target.PadRight(width)} | {string.Join(" | ", cells)}");
        }

        output.WriteLine(text.ToString());
        var mismatches = lines.SelectMany(l => l.Cells.Where(c => !c.Pass).Select(c => $"{l.Target} as {c.Who}: expected {c.Expected}, got {c.Actual} ({c.Detail})")).ToList();
        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
    }
}

/// <summary>
/// A client-side navigation to an admin page from an open page: the router is static, so Blazor's
/// navigation becomes an enhanced navigation (a fetch the server authorizes like any request), and a
/// non-admin must end on "access denied" without the Locks page ever rendering in the tab.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class AuthorizationMatrixBrowserTests(AppHost host, BrowserFixture browser) : IClassFixture<AppHost>
{
    // Remembers, across the reload the redirect causes, whether the Locks page ever rendered in this tab.
    private const string Watch = """
        () => {
            sessionStorage.removeItem('locks-seen');
            const seen = () => document.querySelector('[data-testid=locks-grid], [data-testid=locks-empty], [data-testid=locks-count]')
                || document.title.startsWith('Locks');
            new MutationObserver(() => { if (seen()) sessionStorage.setItem('locks-seen', 'yes'); })
                .observe(document, { subtree: true, childList: true, characterData: true });
        }
        """;

    [Theory]
    [InlineData("alice", false)]
    [InlineData("admin", true)]
    public async Task InCircuitNavigationToAnAdminPage_RendersItOnlyForAnAdmin(string user, bool admin)
    {
        var page = await browser.SignInAsync(host.BaseAddress, user);
        // Pages are not prerendered: the heading exists only once the circuit is up and routing.
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Products");
        await page.EvaluateAsync(Watch);

        // A crafted client-side navigation (no link on the page leads there for alice).
        await page.EvaluateAsync("() => Blazor.navigateTo('/admin/locks')");

        if (admin)
        {
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Locks");
            Assert.Equal("yes", await page.EvaluateAsync<string?>("() => sessionStorage.getItem('locks-seen')"));
        }
        else
        {
            // Polls the address (an enhanced navigation updates it without a load event).
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/locks$"));
            await Assertions.Expect(page).ToHaveTitleAsync("Access denied · CollabEditor");
            await Assertions.Expect(page.Locator("[data-testid=access-denied-message]")).ToHaveTextAsync("You are signed in as Alice (Editor). This page needs the Admin role.");
            Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('locks-seen')"));
        }

        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AnEditorOpeningAnAdminPage_IsToldWhichRoleItNeeds_NotAskedToSignInAgain()
    {
        var page = await browser.SignInAsync(host.BaseAddress, "alice");

        var response = await page.GotoAsync("/admin/locks");

        Assert.Equal(403, response!.Status);
        await Assertions.Expect(page.Locator("[data-testid=access-denied-message]")).ToHaveTextAsync("You are signed in as Alice (Editor). This page needs the Admin role.");
        await Assertions.Expect(page.Locator("#username")).ToHaveCountAsync(0);
        await BrowserFixture.ShotAsync(page, "access-denied");

        await page.ClickAsync("[data-testid=access-denied-back]");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Products");
        await page.Context.CloseAsync();
    }
}

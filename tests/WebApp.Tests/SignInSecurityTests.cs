using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CollabEditor.Data.Seeding;
using CollabEditor.Data.Users;
using CollabEditor.WebApp.Account;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CollabEditor.WebApp.Tests;

/// <summary>Sign-in helpers shared by the sign-in security tests.</summary>
internal static class SignInProbe
{
    public static Task<HttpResponseMessage> TokenAsync(HttpClient client, string user, string password) =>
        client.PostAsJsonAsync("/api/auth/token", new { userName = user, password });

    /// <summary>A problem body without its per-request traceId, to compare two answers.</summary>
    public static async Task<string> ProblemWithoutTraceAsync(HttpResponseMessage response)
    {
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        body.Remove("traceId");
        return body.ToJsonString();
    }

    public static async Task<AppUser> UserAsync(AppHost host, string userName)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByNameAsync(userName))!;
    }

    /// <summary>Makes an Editor with the demo password (a user of the test's own, so others' sign-ins are untouched).</summary>
    public static async Task CreateUserAsync(AppHost host, string userName, bool locked = false)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = new AppUser { UserName = userName, DisplayName = userName };
        Assert.True((await users.CreateAsync(user, DemoData.DemoPassword)).Succeeded);
        if (locked)
        {
            Assert.True((await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue)).Succeeded);
        }
    }
}

/// <summary>An app with small sign-in limits (3 per user name, 6 per address, per hour) and its security log captured.</summary>
public sealed class LimitedSignInHost : IAsyncLifetime
{
    public const int PerUserName = 3;
    public const int PerAddress = 6;

    public LimitedSignInHost() => App = new AppHost(new Dictionary<string, string?>
    {
        ["RateLimits:SignInPerAddress"] = PerAddress.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimits:SignInPerUserName"] = PerUserName.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // Long windows: nothing is replenished while a test runs.
        ["RateLimits:SignInPerAddressWindow"] = "01:00:00",
        ["RateLimits:SignInPerUserNameWindow"] = "01:00:00",
    })
    { ConfigureTestServices = s => s.AddSingleton<ILoggerProvider>(Logs) };

    public AppHost App { get; }

    public LogCapture Logs { get; } = new(SecurityLog.Category);

    public Task InitializeAsync() => App.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();
}

/// <summary>Each test uses its own client addresses (127.0.0.x), so the limits it fills are its own.</summary>
public sealed class SignInLimitTests(LimitedSignInHost host) : IClassFixture<LimitedSignInHost>
{
    private Uri Base => host.App.BaseAddress;

    [Fact]
    public async Task TokenEndpoint_PastTheLimitForOneUserName_Answers429_WhileOtherUsersAndAddressesGoOn()
    {
        using var attacker = SignIn.ClientFrom(Base, "127.0.0.10");
        for (var i = 0; i < LimitedSignInHost.PerUserName; i++)
        {
            using var wrong = await SignInProbe.TokenAsync(attacker, "alice", "wrong-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var limited = await SignInProbe.TokenAsync(attacker, "alice", DemoData.DemoPassword);
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After in seconds");
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        var problem = await limited.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(429, (int)problem!["status"]!);
        Assert.Contains("Too many sign-in attempts", (string)problem["detail"]!, StringComparison.Ordinal);

        // Another user from the same address, and the same user from another address, are not limited.
        using var otherUser = await SignInProbe.TokenAsync(attacker, "bob", DemoData.DemoPassword);
        Assert.Equal(HttpStatusCode.OK, otherUser.StatusCode);
        using var elsewhere = SignIn.ClientFrom(Base, "127.0.0.11");
        using var owner = await SignInProbe.TokenAsync(elsewhere, "alice", DemoData.DemoPassword);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Fact]
    public async Task TokenEndpoint_PastTheLimitForOneAddress_Answers429_WhileOtherAddressesGoOn()
    {
        using var attacker = SignIn.ClientFrom(Base, "127.0.0.20");
        for (var i = 0; i < LimitedSignInHost.PerAddress; i++)
        {
            // A new name each time: only the address limit applies.
            using var unknown = await SignInProbe.TokenAsync(attacker, $"nobody-{i}", "guess");
            Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        }

        using var limited = await SignInProbe.TokenAsync(attacker, "bob", DemoData.DemoPassword);
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);

        using var elsewhere = SignIn.ClientFrom(Base, "127.0.0.21");
        using var fine = await SignInProbe.TokenAsync(elsewhere, "bob", DemoData.DemoPassword);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task SignInPage_PastTheLimit_Answers429WithRetryAfterAndSaysSoOnThePage()
    {
        using var attacker = SignIn.ClientFrom(Base, "127.0.0.30");
        for (var i = 0; i < LimitedSignInHost.PerUserName; i++)
        {
            using var wrong = await SignIn.PostFormAsync(attacker, "admin", "wrong-" + i);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains(System.Net.WebUtility.HtmlEncode(SignInOutcome.FailedMessage), await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var limited = await SignIn.PostFormAsync(attacker, "admin", DemoData.DemoPassword);
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After in seconds");
        var page = await limited.Content.ReadAsStringAsync();
        Assert.Contains("Too many sign-in attempts. Try again in", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"login-error\"", page, StringComparison.Ordinal);

        // The page and the token endpoint share the limit: the same name from the same address is refused there too.
        using var token = await SignInProbe.TokenAsync(attacker, "admin", DemoData.DemoPassword);
        Assert.Equal((HttpStatusCode)429, token.StatusCode);
    }

    [Fact]
    public async Task FailedSignIn_LogsOneSecurityLine_WithUserAndAddress_AndNoPassword()
    {
        const string password = "Very-Secret-Guess-4711";
        using var client = SignIn.ClientFrom(Base, "127.0.0.40");
        using var response = await SignInProbe.TokenAsync(client, "bob", password);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var lines = host.Logs.Lines.Where(l => l.Message.Contains("127.0.0.40", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("Sign-in failed", line.Message, StringComparison.Ordinal);
        Assert.Contains("user bob", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, string.Join('\n', host.Logs.Lines.Select(l => l.Message)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_LogsSuccessAndRateLimit_WithUserAndAddress()
    {
        using var client = SignIn.ClientFrom(Base, "127.0.0.41");
        using (var ok = await SignInProbe.TokenAsync(client, "bob", DemoData.DemoPassword))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        for (var i = 0; i < LimitedSignInHost.PerUserName; i++)
        {
            using var attempt = await SignInProbe.TokenAsync(client, "bob", "wrong");
        }

        var lines = host.Logs.Lines.Select(l => l.Message).Where(m => m.Contains("127.0.0.41", StringComparison.Ordinal)).ToList();
        Assert.Contains(lines, m => m.StartsWith("Sign-in succeeded: user bob from 127.0.0.41", StringComparison.Ordinal));
        Assert.Contains(lines, m => m.StartsWith("Sign-in rate limited by user name: user bob from 127.0.0.41", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ControlCharactersInTheUserName_OnThePage_AreJustAWrongSignIn()
    {
        using var client = SignIn.ClientFrom(Base, "127.0.0.42");
        using var response = await SignIn.PostFormAsync(client, "ad\u0001min", DemoData.DemoPassword);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(SignInOutcome.FailedMessage), await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

/// <summary>An app with the shipped sign-in limits.</summary>
public sealed class DefaultLimitsHost : IAsyncLifetime
{
    public static readonly SignInLimitOptions Defaults = new();

    public AppHost App { get; } = new(new Dictionary<string, string?>
    {
        ["RateLimits:SignInPerAddress"] = Defaults.SignInPerAddress.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimits:SignInPerUserName"] = Defaults.SignInPerUserName.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public Task InitializeAsync() => App.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();
}

/// <summary>The shipped limits, against one attacker and against many (each test its own user and addresses).</summary>
public sealed class DefaultSignInLimitTests(DefaultLimitsHost host) : IClassFixture<DefaultLimitsHost>
{
    private static SignInLimitOptions Defaults => DefaultLimitsHost.Defaults;

    private AppHost App => host.App;

    [Fact]
    public async Task OneAttacker_FiftyQuickWrongPasswords_DoNotLockTheAccount()
    {
        var threshold = App.Services.GetRequiredService<IOptions<IdentityOptions>>().Value.Lockout.MaxFailedAccessAttempts;
        Assert.True(Defaults.SignInPerUserName < threshold, "one address alone cannot reach the lockout threshold within a window");

        using var attacker = SignIn.ClientFrom(App.BaseAddress, "127.0.0.50");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 50; i++)
        {
            using var response = await SignInProbe.TokenAsync(attacker, "admin", "guess-" + i);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(Defaults.SignInPerUserName, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.All(statuses.Skip(Defaults.SignInPerUserName), s => Assert.Equal((HttpStatusCode)429, s));
        var admin = await SignInProbe.UserAsync(App, "admin");
        Assert.True(admin.AccessFailedCount < threshold, $"{admin.AccessFailedCount} failures counted");
        Assert.Null(admin.LockoutEnd);

        // The real admin, elsewhere, signs in.
        using var owner = SignIn.ClientFrom(App.BaseAddress, "127.0.0.51");
        using var signedIn = await SignInProbe.TokenAsync(owner, "admin", DemoData.DemoPassword);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
    }

    [Fact]
    public async Task AUserNameGuessedFromManyAddresses_IsStillLockedByIdentity()
    {
        await SignInProbe.CreateUserAsync(App, "guessed");
        var threshold = App.Services.GetRequiredService<IOptions<IdentityOptions>>().Value.Lockout.MaxFailedAccessAttempts;
        for (var i = 0; i < threshold; i++)
        {
            using var client = SignIn.ClientFrom(App.BaseAddress, $"127.0.1.{i + 1}");
            using var wrong = await SignInProbe.TokenAsync(client, "guessed", "guess-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        Assert.NotNull((await SignInProbe.UserAsync(App, "guessed")).LockoutEnd);
        using var owner = SignIn.ClientFrom(App.BaseAddress, "127.0.2.1");
        using var refused = await SignInProbe.TokenAsync(owner, "guessed", DemoData.DemoPassword);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}

/// <summary>An outsider cannot tell an unknown user from a wrong password or a locked account.</summary>
public sealed class UniformSignInAnswerTests(AppHost host) : IClassFixture<AppHost>
{
    [Fact]
    public async Task TokenEndpoint_UnknownUser_WrongPassword_LockedAccount_GetTheSameStatusAndBody()
    {
        await SignInProbe.CreateUserAsync(host, "locked-api", locked: true);
        using var client = ApiClient.Anonymous(host.BaseAddress);
        using var unknown = await SignInProbe.TokenAsync(client, "no-such-user", "whatever");
        using var wrong = await SignInProbe.TokenAsync(client, "alice", "whatever");
        using var locked = await SignInProbe.TokenAsync(client, "locked-api", "whatever");
        using var lockedRightPassword = await SignInProbe.TokenAsync(client, "locked-api", DemoData.DemoPassword);

        var expected = await SignInProbe.ProblemWithoutTraceAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        foreach (var other in new[] { unknown, locked, lockedRightPassword })
        {
            Assert.Equal(wrong.StatusCode, other.StatusCode);
            Assert.Equal(wrong.Content.Headers.ContentType, other.Content.Headers.ContentType);
            Assert.Equal(expected, await SignInProbe.ProblemWithoutTraceAsync(other));
        }
    }

    [Fact]
    public async Task SignInPage_UnknownUser_WrongPassword_LockedAccount_ShowTheSameMessage()
    {
        await SignInProbe.CreateUserAsync(host, "locked-page", locked: true);
        var answers = new List<(HttpStatusCode Status, string Error)>();
        foreach (var (user, password) in new[] { ("no-such-user", "whatever"), ("bob", "whatever"), ("locked-page", "whatever"), ("locked-page", DemoData.DemoPassword) })
        {
            using var client = ApiClient.Anonymous(host.BaseAddress);
            using var response = await SignIn.PostFormAsync(client, user, password);
            var page = await response.Content.ReadAsStringAsync();
            var error = System.Text.RegularExpressions.Regex.Match(page, "data-testid=\"login-error\"(.*?)<form", System.Text.RegularExpressions.RegexOptions.Singleline).Value;
            answers.Add((response.StatusCode, error));
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Contains(System.Net.WebUtility.HtmlEncode(SignInOutcome.FailedMessage), answers[0].Error, StringComparison.Ordinal);
        Assert.All(answers, a => Assert.Equal(answers[0].Error, a.Error));
    }
}

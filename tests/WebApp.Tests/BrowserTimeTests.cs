using System.Globalization;
using Bunit;
using CollabEditor.WebApp.Localization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.JSInterop;

namespace CollabEditor.WebApp.Tests;

/// <summary>Times in the reader's zone and language: the per-circuit <see cref="BrowserTime"/> and the <c>LocalTime</c> component.</summary>
public sealed class BrowserTimeTests : BunitContext
{
    private const string Ask = "collab.browserClock";

    // 13:05 UTC on a November day: 14:05 in Berlin (CET, +1), 08:05 in New York (EST, −5).
    private static readonly DateTimeOffset Saved = new(2026, 11, 24, 13, 5, 0, TimeSpan.Zero);

    public BrowserTimeTests()
    {
        Services.AddScoped<BrowserTime>();
        // Nobody signed in unless a test says so: times follow the browser.
        _auth = AddAuthorization();
    }

    private readonly Bunit.TestDoubles.BunitAuthorizationContext _auth;

    private IRenderedComponent<LocalTime> RenderTime(string format = "g") =>
        Render<LocalTime>(p => p.Add(x => x.Value, Saved).Add(x => x.Format, format));

    private static string Shown(IRenderedComponent<LocalTime> cut) => cut.Find("time").TextContent;

    [Fact]
    public void LocalTime_BeforeTheBrowserAnswers_ShowsNoTime_ThenTheBrowsersZoneAndLanguage()
    {
        var answer = JSInterop.Setup<BrowserTime.BrowserClock?>(Ask);

        var cut = RenderTime();

        Assert.Equal(string.Empty, Shown(cut));
        Assert.Equal("2026-11-24T13:05:00Z", cut.Find("time").GetAttribute("datetime"));
        answer.SetResult(new("Europe/Berlin", "de-DE"));
        cut.WaitForAssertion(() => Assert.Equal("24.11.2026 14:05", Shown(cut)));
    }

    [Fact]
    public void LocalTime_InNewYorkInEnglish_IsTheUsFormatAtEasternTime()
    {
        JSInterop.Setup<BrowserTime.BrowserClock?>(Ask).SetResult(new("America/New_York", "en-US"));

        var cut = RenderTime();

        // en-US "g" is M/d/yyyy h:mm tt; ICU may put a narrow no-break space before AM.
        cut.WaitForAssertion(() => Assert.Matches(@"^11/24/2026 8:05\s?AM$", Shown(cut).Replace('\u202F', ' ')));
    }

    [Fact]
    public void LocalTime_ForAUserWhoChoseAZone_IsInTheirZone_InTheBrowsersLanguage()
    {
        _auth.SetAuthorized("dora");
        _auth.SetClaims(new System.Security.Claims.Claim(Account.DisplayNameClaimsFactory.TimeZoneClaim, "Asia/Tokyo"));
        JSInterop.Setup<BrowserTime.BrowserClock?>(Ask).SetResult(new("Europe/Berlin", "de-DE"));

        var cut = RenderTime();

        // 13:05 UTC is 22:05 in Tokyo (+9), not 14:05 as in the browser's Berlin.
        cut.WaitForAssertion(() => Assert.Equal("24.11.2026 22:05", Shown(cut)));
    }

    [Fact]
    public void LocalTime_TakesTheFormat()
    {
        JSInterop.Setup<BrowserTime.BrowserClock?>(Ask).SetResult(new("Europe/Berlin", "de-DE"));

        var cut = RenderTime("t");

        cut.WaitForAssertion(() => Assert.Equal("14:05", Shown(cut)));
    }

    [Theory]
    [InlineData("../../../etc/passwd", "de-DE", "24.11.2026 13:05")] // a path, not a zone: UTC, the language still counts
    [InlineData("Mars/Olympus_Mons", "de-DE", "24.11.2026 13:05")] // well-formed but unknown
    [InlineData("America", "de-DE", "24.11.2026 13:05")] // a folder of the zone database, not a zone
    [InlineData("posix", "de-DE", "24.11.2026 13:05")]
    [InlineData("Europe/Berlin", "xx-NOT-A-CULTURE", "11/24/2026 14:05")] // zone counts, language falls back to invariant
    [InlineData("Europe/Berlin", null, "11/24/2026 14:05")]
    [InlineData(null, null, "11/24/2026 13:05")]
    public void BrowserTime_UnusableAnswers_FallBackToUtcAndInvariant_EachOnItsOwn(string? zone, string? language, string expected)
    {
        JSInterop.Setup<BrowserTime.BrowserClock?>(Ask).SetResult(new(zone, language));

        var cut = RenderTime();

        cut.WaitForAssertion(() => Assert.Equal(expected, Shown(cut)));
    }

    [Fact]
    public void BrowserTime_AZoneIdLongerThanAnyIanaId_IsNotLookedUp()
    {
        JSInterop.Setup<BrowserTime.BrowserClock?>(Ask).SetResult(new("Europe/" + new string('x', 500), "de-DE"));

        var cut = RenderTime();

        cut.WaitForAssertion(() => Assert.Equal("24.11.2026 13:05", Shown(cut)));
        Assert.Same(TimeZoneInfo.Utc, Services.GetRequiredService<BrowserTime>().Zone);
    }

    [Fact]
    public void BrowserTime_WhenTheBrowserCallFails_ShowsUtcInvariant()
    {
        JSInterop.Setup<BrowserTime.BrowserClock?>(Ask).SetException(new JSException("collab is not defined"));

        var cut = RenderTime();

        cut.WaitForAssertion(() => Assert.Equal("11/24/2026 13:05", Shown(cut)));
    }

    [Fact]
    public void BrowserTime_AsksTheBrowserOncePerCircuit_HoweverManyTimesAreShown()
    {
        var answer = JSInterop.Setup<BrowserTime.BrowserClock?>(Ask);
        var first = RenderTime();
        var second = RenderTime("t");
        answer.SetResult(new("Europe/Berlin", "de-DE"));
        first.WaitForAssertion(() => Assert.Equal("24.11.2026 14:05", Shown(first)));
        second.WaitForAssertion(() => Assert.Equal("14:05", Shown(second)));

        var third = RenderTime("G");

        Assert.Equal("24.11.2026 14:05:00", Shown(third));
        JSInterop.VerifyInvoke(Ask, calledTimes: 1);
    }

    [Fact]
    public void BrowserTime_HandsOutTheRuntimesCachedZoneAndCulture()
    {
        // No per-circuit copies: every circuit in Berlin shares the runtime's objects.
        var browser = new BrowserTime(JSInterop.JSRuntime, Microsoft.Extensions.Logging.Abstractions.NullLogger<BrowserTime>.Instance);

        browser.Apply("Europe/Berlin", "de-DE");

        Assert.Same(TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"), browser.Zone);
        Assert.Same(CultureInfo.GetCultureInfo("de-DE"), browser.Culture);
        Assert.True(browser.IsKnown);
    }
}

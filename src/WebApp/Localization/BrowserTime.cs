using System.Globalization;
using System.Text.RegularExpressions;
using CollabEditor.WebApp.Account;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;

namespace CollabEditor.WebApp.Localization;

/// <summary>
/// The reading browser's time zone and language, learned once per circuit (DESIGN.md: times are shown
/// in the reader's time zone and language, never the server's). Until then, and when the browser sends
/// something unusable, times are UTC in the invariant culture. A time zone the user chose on My account
/// (their sign-in's <see cref="DisplayNameClaimsFactory.TimeZoneClaim"/>) wins over the browser's.
/// </summary>
/// <remarks>
/// Holds two references to the runtime's cached <see cref="TimeZoneInfo"/> and <see cref="CultureInfo"/>
/// and one task: nothing per circuit that grows (memory per open page is measured).
/// </remarks>
public sealed partial class BrowserTime(IJSRuntime js, ILogger<BrowserTime> logger, AuthenticationStateProvider? authentication = null)
{
    // IANA ids are short ASCII paths ("America/Argentina/Buenos_Aires", "Etc/GMT+5"); anything else is not looked up at all.
    private const int MaxZoneLength = 64;

    // BCP 47 tags a browser reports ("de-DE", "zh-Hant-TW"); long private-use tags are not worth a lookup.
    private const int MaxLanguageLength = 35;

    private Task? _learning;

    /// <summary>The browser's time zone; UTC until known.</summary>
    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    /// <summary>The browser's language as a culture; invariant until known.</summary>
    public CultureInfo Culture { get; private set; } = CultureInfo.InvariantCulture;

    /// <summary>True once the browser has answered (or could not): from then on times are final.</summary>
    public bool IsKnown { get; private set; }

    /// <summary>
    /// Asks the browser once per circuit; every caller awaits the same answer. Never throws: a browser
    /// that cannot answer leaves UTC and the invariant culture in place.
    /// </summary>
    public Task EnsureKnownAsync() => _learning ??= LearnAsync();

    /// <summary><paramref name="at"/> in the browser's zone, formatted for its language (standard or custom format).</summary>
    public string Format(DateTimeOffset at, string format = "g") => TimeZoneInfo.ConvertTime(at, Zone).ToString(format, Culture);

    /// <summary>Takes the zone and language the browser reported; unusable values fall back separately.</summary>
    internal void Apply(string? timeZone, string? language)
    {
        Zone = FindZone(timeZone) ?? TimeZoneInfo.Utc;
        Culture = FindCulture(language) ?? CultureInfo.InvariantCulture;
        IsKnown = true;
    }

    private async Task LearnAsync()
    {
        BrowserClock? clock = null;
        try
        {
            clock = await js.InvokeAsync<BrowserClock?>("collab.browserClock");
        }
        catch (JSException ex)
        {
            LogNoAnswer(logger, ex.Message);
        }
        catch (TaskCanceledException)
        {
            // No answer within the interop timeout: the tab is stuck or gone; UTC it is.
            LogNoAnswer(logger, "timed out");
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone; nobody is left to read the times.
        }
        catch (InvalidOperationException)
        {
            // Rendered without a browser (a static page or prerendering): nobody to ask in this scope.
            LogNoAnswer(logger, "no interactive browser");
        }

        Apply(await ChosenZoneAsync() ?? clock?.TimeZone, clock?.Language);
    }

    /// <summary>The zone the signed-in user chose, if any (null without a user or a choice).</summary>
    private async Task<string?> ChosenZoneAsync()
    {
        if (authentication is null)
        {
            return null;
        }

        try
        {
            var state = await authentication.GetAuthenticationStateAsync();
            return state.User.FindFirst(DisplayNameClaimsFactory.TimeZoneClaim)?.Value is { } chosen && FindZone(chosen) is not null ? chosen : null;
        }
        catch (InvalidOperationException)
        {
            // No authentication state in this scope (outside a request or circuit): the browser's zone.
            return null;
        }
    }

    /// <summary>True when <paramref name="id"/> is a time zone this server knows (the same check the browser's answer gets).</summary>
    public static bool IsKnownZone(string? id) => FindZone(id) is not null;

    private static TimeZoneInfo? FindZone(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxZoneLength || !ZoneId().IsMatch(id) || id.Contains("..", StringComparison.Ordinal))
        {
            return null;
        }

        // ICU and the system's tzdata resolve IANA ids on Linux (and map them on Windows); the result is
        // cached by the runtime. Try…, not Find…: a name that is a folder of the zone database
        // ("America", "posix") throws a SecurityException from Find, which would end the circuit.
        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;
    }

    private static CultureInfo? FindCulture(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLanguageLength)
        {
            return null;
        }

        try
        {
            // Predefined cultures only: ICU would otherwise invent a culture for any well-formed tag. Cached and read-only.
            return CultureInfo.GetCultureInfo(name, predefinedOnly: true);
        }
        catch (CultureNotFoundException)
        {
            return null;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_+\\-/]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ZoneId();

    [LoggerMessage(Level = LogLevel.Debug, Message = "The browser did not report its time zone and language ({Reason}); showing UTC.")]
    private static partial void LogNoAnswer(ILogger logger, string reason);

    /// <summary>What <c>collab.browserClock()</c> in app.js returns.</summary>
    internal sealed record BrowserClock(string? TimeZone, string? Language);
}

using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace CollabEditor.WebApp.Tests.Field;

/// <summary>
/// One app instance and one latency proxy per round trip, shared by a typing test class: every
/// browser page reaches the app through a proxy, so each keystroke's round trip to the circuit is as
/// slow as a WAN or VPN link.
/// </summary>
public sealed class TypingRig : IAsyncLifetime
{
    private readonly ConcurrentDictionary<int, LatencyProxy> _proxies = new();

    public AppHost Host { get; } = new();

    public Task InitializeAsync() => Host.InitializeAsync();

    /// <summary>The proxy with a round trip of <paramref name="roundTripMs"/> ms (0: the app itself).</summary>
    public Uri AddressFor(int roundTripMs) => roundTripMs == 0
        ? Host.BaseAddress
        : _proxies.GetOrAdd(roundTripMs, rt => LatencyProxy.Start(Host.BaseAddress, TimeSpan.FromMilliseconds(rt))).BaseAddress;

    public async Task DisposeAsync()
    {
        foreach (var proxy in _proxies.Values)
        {
            await proxy.DisposeAsync();
        }

        await ((IAsyncLifetime)Host).DisposeAsync();
    }
}

/// <summary>Typing as a person does: one key event at a time with a pause between keys.</summary>
public static class Typist
{
    /// <summary>What the tests type: letters, spaces and digits, as in the report that found keystrokes lost.</summary>
    public const string Text = "Quick brown fox 12345";

    /// <summary>The other person, who saves through the store while the browser user types.</summary>
    public static readonly CollabEditor.Core.Users.Actor Carol = new("carol-id", "Carol");

    /// <summary>Empties <paramref name="input"/> with the keyboard, then types <paramref name="text"/> key by key, <paramref name="delayMs"/> apart.</summary>
    public static async Task RetypeAsync(ILocator input, string text, int delayMs)
    {
        await input.ClickAsync();
        var keyboard = input.Page.Keyboard;
        await keyboard.PressAsync("Control+A");
        await keyboard.PressAsync("Backspace");
        await keyboard.TypeAsync(text, new() { Delay = delayMs });
    }

    /// <summary>
    /// The box holds exactly <paramref name="text"/>. Callers check it again after a save (a round trip
    /// answered after every keystroke's echo), so an old echo that lands late is caught too.
    /// </summary>
    public static Task ExpectHoldsAsync(ILocator input, string text) => Assertions.Expect(input).ToHaveValueAsync(text);

    /// <summary>The typing matrix: key delays × round trips, in ms.</summary>
    public static IEnumerable<object[]> Matrix()
    {
        foreach (var rt in new[] { 0, 100, 200 })
        {
            foreach (var d in new[] { 0, 60, 100, 150 })
            {
                yield return [d, rt];
            }
        }
    }

    /// <summary>Whether the full matrix runs for every input (COLLAB_TYPING=full), not only CI's subset.</summary>
    public static bool Full => string.Equals(Environment.GetEnvironmentVariable("COLLAB_TYPING"), "full", StringComparison.OrdinalIgnoreCase);

    /// <summary>CI's point (80 ms between keys through a 200 ms round trip), or the full matrix with COLLAB_TYPING=full.</summary>
    public static IEnumerable<object[]> CiPointOrMatrix() => Full ? Matrix() : [[80, 200]];
}

using System.Diagnostics;
using System.Threading.Channels;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Users;
using CollabEditor.Data;
using CollabEditor.Data.Changes;
using CollabEditor.Tests;
using CollabEditor.WebApp.Editing;
using CollabEditor.WebApp.Presence;
using CollabEditor.WebApp.Startup;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// Field presence between two app instances on one database (issue 15): each instance has its own
/// services and its own LISTEN connection, as two processes behind a load balancer have; each page is
/// a <see cref="PagePresence"/> in its own circuit scope.
/// </summary>
public sealed class PagePresenceTwoInstanceTests : IAsyncLifetime
{
    private const string Key = "product/7";
    private static readonly Actor Alice = new("alice-id", "Alice");
    private static readonly Actor Bob = new("bob-id", "Bob");
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly List<IAsyncDisposable> _owned = [];
    private ServiceProvider _a = default!;
    private ServiceProvider _b = default!;

    public async Task InitializeAsync()
    {
        var database = await TestPostgres.CreateDatabaseAsync(nameof(PagePresenceTwoInstanceTests));
        _a = await StartInstanceAsync(database);
        _b = await StartInstanceAsync(database);
    }

    private static async Task<ServiceProvider> StartInstanceAsync(string database)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        // A short idle time, so a lapsing lock can be watched without a long wait.
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Editing:FieldLockIdle"] = "00:00:01" })
            .Build());
        services.AddCollabData(database);
        services.AddSingleton<ChangeListener>();
        services.AddSingleton<OpenCircuits>();
        services.AddScoped<CircuitPresence>();
        var provider = services.BuildServiceProvider();
        var listener = provider.GetRequiredService<ChangeListener>();
        await listener.StartAsync(CancellationToken.None);
        await listener.Listening.WaitAsync(TimeSpan.FromSeconds(10));
        return provider;
    }

    /// <summary>An open editor page on <paramref name="instance"/>, with a signal for each change it reports.</summary>
    private async Task<Page> OpenAsync(ServiceProvider instance, Actor who)
    {
        var circuit = instance.CreateAsyncScope();
        var presence = ActivatorUtilities.CreateInstance<PagePresence>(circuit.ServiceProvider);
        var page = new Page(presence, circuit);
        _owned.Add(page);
        await presence.StartAsync(Key, who, page.ChangedAsync);
        return page;
    }

    private sealed class Page(PagePresence presence, AsyncServiceScope circuit) : IAsyncDisposable
    {
        private readonly Channel<bool> _changes = Channel.CreateUnbounded<bool>();

        public PagePresence Presence { get; } = presence;

        public Task ChangedAsync() => _changes.Writer.WriteAsync(true).AsTask();

        /// <summary>Waits for <paramref name="condition"/>, re-checking it each time the page is told of a change.</summary>
        public async Task<TimeSpan> WaitForAsync(Func<PagePresence, bool> condition, TimeSpan timeout)
        {
            var watch = Stopwatch.StartNew();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                while (!condition(Presence))
                {
                    await _changes.Reader.ReadAsync(cts.Token);
                }
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"not seen within {timeout.TotalMilliseconds} ms");
            }

            return watch.Elapsed;
        }

        /// <summary>Waits until the page has reported no change for <paramref name="quiet"/>: re-reads already scheduled have run.</summary>
        public async Task QuietAsync(TimeSpan quiet)
        {
            while (true)
            {
                using var cts = new CancellationTokenSource(quiet);
                try
                {
                    await _changes.Reader.ReadAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Presence.DisposeAsync();
            await circuit.DisposeAsync();
        }
    }

    /// <summary>
    /// Review finding: "touched" is by value, so typing 100 → 10 → 100 on the way to 1000 made the field
    /// untouched for a moment, and someone else's changes there locked it under the typist's cursor.
    /// </summary>
    [Fact]
    public async Task AFieldIAmTypingIn_NeverLocksUnderMe_EvenWhenWhatITypedEqualsWhatWasThere_UntilILeaveIt()
    {
        var alice = await OpenAsync(_a, Alice);
        var bob = await OpenAsync(_b, Bob);
        await alice.WaitForAsync(p => p.Others.Contains("Bob"), TimeSpan.FromSeconds(5));

        // Bob is in Price and has typed there, but its value is back to what it was: nothing touched.
        await bob.Presence.FocusAsync("Price");
        bob.Presence.Typed();
        await bob.Presence.ChangingAsync([]);
        await alice.WaitForAsync(p => p.For("Price").InField.Contains("Bob"), Second);

        // Alice has fresh unsaved changes in Price: Bob sees her changing it, but it stays his to type in.
        await alice.Presence.ChangingAsync(["Price"]);
        await bob.WaitForAsync(p => p.For("Price").Changing.Contains("Alice"), Second);
        Assert.Null(bob.Presence.For("Price").LockedBy);

        // Once he leaves it, it is hers until she saves.
        await bob.Presence.LeaveFieldAsync("Price");
        Assert.Equal("Alice", bob.Presence.For("Price").LockedBy);
    }

    [Fact]
    public async Task AFieldOnInstanceA_ShowsOnInstanceB_WithinASecond_AndIsGoneWithinASecondOfLeaving()
    {
        var alice = await OpenAsync(_a, Alice);
        var bob = await OpenAsync(_b, Bob);
        await bob.WaitForAsync(p => p.Others.Contains("Alice"), TimeSpan.FromSeconds(5));

        await alice.Presence.FocusAsync("Price");
        await bob.WaitForAsync(p => p.For("Price").InField.SequenceEqual(["Alice"]), Second);
        Assert.Null(bob.Presence.For("Price").LockedBy);

        await alice.Presence.ChangingAsync(["Price"]);
        await bob.WaitForAsync(p => p.For("Price").LockedBy == "Alice", Second);
        Assert.Equal(["Alice"], bob.Presence.For("Price").Changing);

        // Saved, and the cursor leaves: nothing left on the field.
        await alice.Presence.ChangingAsync([]);
        await alice.Presence.FocusAsync(null);
        await bob.WaitForAsync(p => !p.For("Price").AnyoneElse, Second);

        // An order line too; then Alice closes the page.
        await alice.Presence.FocusAsync("line-42");
        await bob.WaitForAsync(p => p.For("line-42").InField.Contains("Alice"), Second);
        await alice.DisposeAsync();
        await bob.WaitForAsync(p => p.Others.Count == 0 && !p.For("line-42").AnyoneElse, Second);
    }

    [Fact]
    public async Task ALock_LapsesWhenItsHolderGoesIdle_WithoutAnyEvent_AndComesBackWhenTheyTypeOn()
    {
        var alice = await OpenAsync(_a, Alice);
        var bob = await OpenAsync(_b, Bob);
        await alice.Presence.ChangingAsync(["Name"]);
        await bob.WaitForAsync(p => p.For("Name").LockedBy == "Alice", Second);

        // FieldLockIdle is 1 s here: Bob's page re-reads on its own timer.
        await bob.WaitForAsync(p => p.For("Name").LockedBy is null, TimeSpan.FromSeconds(5));
        Assert.Empty(bob.Presence.For("Name").Changing);

        // Alice types on after the lapse: her refreshed last edit is announced.
        await alice.Presence.ChangingAsync(["Name"]);
        await bob.WaitForAsync(p => p.For("Name").LockedBy == "Alice", Second);
    }

    [Fact]
    public async Task TwoWhoStartTypingInOneFieldTogether_BothKeepTyping()
    {
        var alice = await OpenAsync(_a, Alice);
        var bob = await OpenAsync(_b, Bob);

        await Task.WhenAll(alice.Presence.ChangingAsync(["Price"]), bob.Presence.ChangingAsync(["Price"]));

        await alice.WaitForAsync(p => p.For("Price").Changing.Contains("Bob"), Second);
        await bob.WaitForAsync(p => p.For("Price").Changing.Contains("Alice"), Second);
        Assert.Null(alice.Presence.For("Price").LockedBy);
        Assert.Null(bob.Presence.For("Price").LockedBy);
    }

    [Fact]
    public async Task ManyQuickMoves_EndWithTheLastOneOnTheOtherInstance()
    {
        var alice = await OpenAsync(_a, Alice);
        var bob = await OpenAsync(_b, Bob);

        for (var i = 0; i < 100; i++)
        {
            await alice.Presence.FocusAsync($"line-{i}");
        }

        await bob.WaitForAsync(p => p.For("line-99").InField.Contains("Alice"), Second);
        var rows = await _a.GetRequiredService<Data.Presence.PresenceStore>().ListAsync(Key);
        Assert.Equal("line-99", Assert.Single(rows, r => r.Id == alice.Presence.PageId).Field);
    }

    [Fact]
    public async Task APresenceResync_MakesAPageReadAgain_WhatItMissed()
    {
        var alice = await OpenAsync(_a, Alice);
        var bob = await OpenAsync(_b, Bob);
        await bob.WaitForAsync(p => p.Others.Contains("Alice"), TimeSpan.FromSeconds(5));
        // B's listener is down: the event of Alice's move never reaches B.
        await _b.GetRequiredService<ChangeListener>().StopAsync(CancellationToken.None);
        // Events B heard before it stopped (Bob's own arrival among them) may still have a re-read due
        // after the 100 ms coalescing window; let them run, or one reads Alice's move (CI saw it once).
        await bob.QuietAsync(TimeSpan.FromMilliseconds(500));
        await alice.Presence.FocusAsync("Stock");
        var rows = _a.GetRequiredService<Data.Presence.PresenceStore>();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while ((await rows.ListAsync(Key, ct: timeout.Token)).Single(r => r.Id == alice.Presence.PageId).Field != "Stock")
            {
                await Task.Delay(20, timeout.Token);
            }
        }

        Assert.Empty(bob.Presence.For("Stock").InField);

        // What the listener announces once it is back.
        _b.GetRequiredService<ChangeFeed>().Publish(ChangeEvent.PresenceResync);

        await bob.WaitForAsync(p => p.For("Stock").InField.Contains("Alice"), Second);
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        foreach (var instance in new[] { _a, _b })
        {
            if (instance is not null)
            {
                await instance.GetRequiredService<ChangeListener>().StopAsync(CancellationToken.None);
                await instance.DisposeAsync();
            }
        }
    }
}

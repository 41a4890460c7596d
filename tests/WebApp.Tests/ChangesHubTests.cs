using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Customers;
using CollabEditor.Core.Records;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Customers;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Changes;
using CollabEditor.WebApp.Tests.Field;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.WebApp.Tests;

public sealed class ChangesHubTests(AppHost host) : IClassFixture<AppHost>
{
    private static readonly Actor Bob = new("bob-id", "Bob");

    private ProductStore Store => host.Services.GetRequiredService<ProductStore>();

    private HubConnection Connect(CookieContainer? cookies, Uri? through = null, bool reconnect = false)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(through ?? host.BaseAddress, ChangesHub.Path), o =>
            {
                if (cookies is not null)
                {
                    o.Cookies = cookies;
                }
            });
        if (reconnect)
        {
            builder.WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)]);
        }

        return builder.Build();
    }

    private async Task<HubConnection> AliceAsync(Uri? through = null, bool reconnect = false) =>
        Connect(await SignIn.CookiesAsync(host.BaseAddress, "alice"), through, reconnect);

    /// <summary>What a client received, in order.</summary>
    private sealed class Received
    {
        public ConcurrentQueue<ChangeEvent> All { get; } = new();

        public Channel<ChangeEvent> Live { get; } = Channel.CreateUnbounded<ChangeEvent>();

        public static Received On(HubConnection client, Action<ChangeEvent>? also = null)
        {
            var r = new Received();
            client.On<ChangeEvent>(nameof(IChangeClient.Changed), e =>
            {
                r.All.Enqueue(e);
                r.Live.Writer.TryWrite(e);
                also?.Invoke(e);
            });
            return r;
        }

        public List<long> VersionsOf(string key) => [.. All.Where(e => e.Key == key && e.Kind == ChangeKind.Saved).Select(e => e.Version)];

        public async Task<ChangeEvent> NextAsync(Func<ChangeEvent, bool> where)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                var e = await Live.Reader.ReadAsync(timeout.Token);
                if (where(e))
                {
                    return e;
                }
            }
        }

        public static async Task UntilAsync(Func<bool> condition, string what)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (!condition())
            {
                Assert.False(timeout.IsCancellationRequested, $"timed out waiting for {what}");
                await Task.Delay(20);
            }
        }
    }

    private async Task<ProductSnapshot> NewProductAsync(string sku) =>
        Assert.IsType<SaveResult.Saved>(await Store.CreateAsync(new ProductValues(sku, "Hub product", "For the hub tests.", 10m, 0, false), Bob)).Current;

    /// <summary>Saves <paramref name="p"/> <paramref name="times"/> times as Bob; returns the last version.</summary>
    private async Task<int> SaveAsync(ProductSnapshot p, int times, int from)
    {
        var version = from;
        for (var i = 0; i < times; i++)
        {
            Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(p.Id, version, p.Values with { Stock = version }, Bob));
            version++;
        }

        return version;
    }

    [Fact]
    public async Task SignedInClient_JoinedToProducts_ReceivesAVersionEventWhenBobSaves()
    {
        await using var alice = await AliceAsync();
        await AssertReceivesBobsSaveAsync(alice);
    }

    [Fact]
    public async Task MessagePackClient_ReceivesTheSameEvent()
    {
        var cookies = await SignIn.CookiesAsync(host.BaseAddress, "alice");
        var builder = new HubConnectionBuilder().WithUrl(new Uri(host.BaseAddress, ChangesHub.Path), o => o.Cookies = cookies);
        builder.AddMessagePackProtocol();
        await using var alice = builder.Build();
        await AssertReceivesBobsSaveAsync(alice);
    }

    [Fact]
    public async Task ClientJoinedToCustomersAndToOne_ReceivesItsCreateAndBobsSave_WithTheNewVersion()
    {
        var customers = host.Services.GetRequiredService<CustomerStore>();
        await using var alice = await AliceAsync();
        var received = Received.On(alice);
        await alice.StartAsync();
        var joinedAt = await alice.InvokeAsync<long>(nameof(ChangesHub.JoinCollection), "customers");

        var c = Assert.IsType<SaveResult<CustomerSnapshot>.Saved>(await customers.CreateAsync(new CustomerValues("Hub customer", "", "", "", ""), Bob)).Current;
        var created = await received.NextAsync(e => e.Key == ResourceKey.ForCustomer(c.Id));
        Assert.Equal(new ChangeEvent(ChangeKind.Created, ResourceKey.ForCustomer(c.Id), 1, "Bob"), created with { Position = 0 });
        Assert.True(created.Position > joinedAt, $"position {created.Position} is not after the join's {joinedAt}");

        await alice.InvokeAsync<long>(nameof(ChangesHub.JoinResource), ResourceKey.ForCustomer(c.Id));
        Assert.IsType<SaveResult<CustomerSnapshot>.Saved>(await customers.UpdateAsync(c.Id, 1, c.Values with { Phone = "020 7946 0999" }, Bob));

        var saved = await received.NextAsync(e => e.Key == ResourceKey.ForCustomer(c.Id) && e.Kind == ChangeKind.Saved);
        Assert.Equal(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForCustomer(c.Id), 2, "Bob"), saved with { Position = 0 });
        Assert.True(saved.Position > created.Position);
    }

    /// <summary>Joins <c>products</c>, lets Bob save one, and expects the event with the new version, Bob's name and a position.</summary>
    private async Task AssertReceivesBobsSaveAsync(HubConnection client)
    {
        var received = Received.On(client);
        await client.StartAsync();
        var joinedAt = await client.InvokeAsync<long>(nameof(ChangesHub.JoinCollection), "products");

        var p = (await Store.ListAsync(new ProductQuery(PageSize: 1))).Items[0];
        await Store.UpdateAsync(p.Id, p.Version, p.Values with { Stock = p.Values.Stock + 1 }, Bob);

        var e = await received.NextAsync(e => e.Key == $"product/{p.Id}");
        Assert.Equal(new ChangeEvent(ChangeKind.Saved, $"product/{p.Id}", p.Version + 1, "Bob"), e with { Position = 0 });
        Assert.True(e.Position > joinedAt, $"position {e.Position} is not after the join's {joinedAt}");
    }

    [Fact]
    public async Task EveryConnection_IsToldFirstThatItFollowsNothing_WithTheCurrentPosition()
    {
        await using var alice = await AliceAsync();
        var received = Received.On(alice);
        await alice.StartAsync();

        var first = await received.NextAsync(_ => true);
        Assert.Equal(ChangeKind.Connected, first.Kind);
        var listener = host.Services.GetRequiredService<Data.Changes.ChangeListener>();
        Assert.InRange(first.Position, await listener.StartPosition, listener.Position);
    }

    [Fact]
    public async Task ABurstOfSaves_ReachesAClientOfTheCollectionAndTheResource_EveryVersion_Once_InOrder()
    {
        var p = await NewProductAsync("HUB-BURST");
        await using var alice = await AliceAsync();
        var received = Received.On(alice);
        await alice.StartAsync();
        await alice.InvokeAsync<long>(nameof(ChangesHub.JoinCollection), "products");
        await alice.InvokeAsync<long>(nameof(ChangesHub.JoinResource), $"product/{p.Id}");

        // 200 saves back to back: a page may coalesce them, a program gets each.
        var last = await SaveAsync(p, 200, 1);

        await Received.UntilAsync(() => received.VersionsOf($"product/{p.Id}").Contains(last), $"version {last}");
        await Task.Delay(300);
        Assert.Equal(Enumerable.Range(2, 200).Select(v => (long)v), received.VersionsOf($"product/{p.Id}"));
        var positions = received.All.Where(e => e.Position > 0 && e.Kind != ChangeKind.Connected).Select(e => e.Position).ToList();
        Assert.Equal(positions.Order(), positions);
        Assert.Equal(positions.Count, positions.Distinct().Count());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChangesQueuedFasterThanTheyAreSent_GoOutSeveralToAWrite_EveryOne_InOrder(bool messagePack)
    {
        var cookies = await SignIn.CookiesAsync(host.BaseAddress, "alice");
        var builder = new HubConnectionBuilder().WithUrl(new Uri(host.BaseAddress, ChangesHub.Path), o => o.Cookies = cookies);
        if (messagePack)
        {
            builder.AddMessagePackProtocol();
        }

        await using var alice = builder.Build();
        var received = Received.On(alice);
        await alice.StartAsync();
        await alice.InvokeAsync<long>(nameof(ChangesHub.JoinCollection), "products");

        // Published in one go, faster than one connection's sender writes: it finds many queued and
        // writes them together (up to HubBroadcaster.MaxBatch a write), which the client must read one by one.
        var key = $"product/{int.MaxValue - (messagePack ? 1 : 0)}";
        var feed = host.Services.GetRequiredService<ChangeFeed>();
        var count = (2 * HubBroadcaster.MaxBatch) + 9;
        for (var v = 1; v <= count; v++)
        {
            feed.Publish(new ChangeEvent(ChangeKind.Saved, key, v, "Bob"));
        }

        await Received.UntilAsync(() => received.VersionsOf(key).Count >= count, $"{count} versions of {key}");
        Assert.Equal(Enumerable.Range(1, count).Select(v => (long)v), received.VersionsOf(key));
    }

    [Fact]
    public async Task JoiningAfterAPosition_ReplaysWhatWasMissed_InOrder_ThenLiveOnes_NoGapNoDuplicate()
    {
        var p = await NewProductAsync("HUB-RESUME");
        long seen;
        await using (var first = await AliceAsync())
        {
            var received = Received.On(first);
            await first.StartAsync();
            await first.InvokeAsync<long>(nameof(ChangesHub.JoinResource), $"product/{p.Id}");
            await SaveAsync(p, 5, 1);
            seen = (await received.NextAsync(e => e.Version == 6)).Position;
        }

        // Missed while away: versions 7..26.
        var version = await SaveAsync(p, 20, 6);
        await using var again = await AliceAsync();
        var resumed = Received.On(again);
        await again.StartAsync();
        var at = await again.InvokeAsync<long>(nameof(ChangesHub.JoinCollectionAfter), "products", seen);
        Assert.True(at >= seen);
        version = await SaveAsync(p, 3, version);

        await Received.UntilAsync(() => resumed.VersionsOf($"product/{p.Id}").Contains(version), "the replay and the live saves");
        await Task.Delay(300);
        Assert.Equal(Enumerable.Range(7, 23).Select(v => (long)v), resumed.VersionsOf($"product/{p.Id}"));
        Assert.DoesNotContain(resumed.All, e => e.Kind == ChangeKind.Resync);
    }

    [Fact]
    public async Task JoiningAgain_WhileSavesArrive_NeverSkipsOrRepeatsAVersion()
    {
        var p = await NewProductAsync("HUB-REJOIN");
        var key = $"product/{p.Id}";
        await using var alice = await AliceAsync();
        var received = Received.On(alice);
        await alice.StartAsync();
        var first = await alice.InvokeAsync<long>(nameof(ChangesHub.JoinCollection), "products");

        // Joins of a group it follows already, live and from a position, while 150 saves land.
        var saving = Task.Run(() => SaveAsync(p, 150, 1));
        while (!saving.IsCompleted)
        {
            await alice.InvokeAsync<long>(nameof(ChangesHub.JoinCollection), "products");
            await alice.InvokeAsync<long>(nameof(ChangesHub.JoinCollectionAfter), "products", first);
        }

        var last = await saving;
        await Received.UntilAsync(() => received.VersionsOf(key).Contains(last), $"version {last}");
        await Task.Delay(300);
        Assert.Equal(Enumerable.Range(2, 150).Select(v => (long)v), received.VersionsOf(key));
    }

    [Fact]
    public async Task AResourceFollowedLive_ThenItsCollectionFromAnEarlierPosition_IsNeverOutOfOrderOrRepeated()
    {
        var p = await NewProductAsync("HUB-MIXED");
        var key = $"product/{p.Id}";
        await using var alice = await AliceAsync();
        var received = Received.On(alice);
        await alice.StartAsync();
        // Another client that follows products tells when this instance has handed a change out.
        await using var observer = await AliceAsync();
        var observed = Received.On(observer);
        await observer.StartAsync();
        await observer.InvokeAsync<long>(nameof(ChangesHub.JoinCollection), "products");
        var before = await alice.InvokeAsync<long>(nameof(ChangesHub.JoinCollection), "orders");
        var version = await SaveAsync(p, 5, 1);
        await Received.UntilAsync(() => observed.VersionsOf(key).Contains(version), "the hub to hand out version 6");
        await alice.InvokeAsync<long>(nameof(ChangesHub.JoinResource), key);
        version = await SaveAsync(p, 5, version);
        await Received.UntilAsync(() => received.VersionsOf(key).Contains(version), $"version {version}");

        // Versions 2..6 came before the resource was followed: replaying them now would put them
        // after 7..11. The hub says it cannot (a resync) instead of sending them out of order.
        await alice.InvokeAsync<long>(nameof(ChangesHub.JoinCollectionAfter), "products", before);
        version = await SaveAsync(p, 3, version);
        await Received.UntilAsync(() => received.VersionsOf(key).Contains(version), $"version {version}");
        await Task.Delay(300);

        var versions = received.VersionsOf(key);
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
        Assert.Equal(Enumerable.Range(7, 8).Select(v => (long)v), versions);
        Assert.Contains(received.All, e => e.Kind == ChangeKind.Resync);
    }

    [Fact]
    public async Task JoiningAfterAPositionAheadOfEveryCommittedChange_IsRefused()
    {
        await using var alice = await AliceAsync();
        await alice.StartAsync();
        var ex = await Assert.ThrowsAsync<HubException>(() => alice.InvokeAsync<long>(nameof(ChangesHub.JoinCollectionAfter), "products", 10_000_000_000L));
        Assert.Contains("ahead of the latest committed change", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JoiningAfterAPositionTheLogNoLongerHas_GetsAResync_ThenLiveOnes()
    {
        var p = await NewProductAsync("HUB-TOO-OLD");
        await using (var db = new NpgsqlConnection(host.ConnectionString))
        {
            await db.OpenAsync();
            await using var prune = new NpgsqlCommand("DELETE FROM change_log WHERE position = 1", db);
            await prune.ExecuteNonQueryAsync();
        }

        await using var alice = await AliceAsync();
        var received = Received.On(alice);
        await alice.StartAsync();
        await alice.InvokeAsync<long>(nameof(ChangesHub.JoinCollectionAfter), "products", 0L);
        await SaveAsync(p, 1, 1);

        await received.NextAsync(e => e.Kind == ChangeKind.Resync);
        await received.NextAsync(e => e.Key == $"product/{p.Id}" && e.Version == 2);
    }

    [Fact]
    public async Task AfterANetworkBlip_TheClientIsToldToJoinAgain_AndResumingFromItsLastPositionLosesNothing()
    {
        var (received, versions) = await ThroughABlipAsync(resume: true);
        Assert.Equal(versions, received);
    }

    [Fact]
    public async Task NegativeControl_AClientThatDoesNotJoinAgainAfterTheBlip_MissesEverythingAfterIt()
    {
        var (received, versions) = await ThroughABlipAsync(resume: false);
        Assert.True(received.Count < versions.Count, "the client that did not rejoin got every version: the test would not catch a lost client");
    }

    /// <summary>
    /// A client follows a product through a proxy; the proxy drops the connection in the middle of 60
    /// saves; SignalR reconnects by itself. With <paramref name="resume"/> the client does what the
    /// README says: on Connected, join again after the last position it saw.
    /// </summary>
    private async Task<(List<long> Received, List<long> Versions)> ThroughABlipAsync(bool resume)
    {
        var p = await NewProductAsync(resume ? "HUB-BLIP" : "HUB-BLIP-NAIVE");
        var key = $"product/{p.Id}";
        await using var proxy = LatencyProxy.Start(host.BaseAddress, TimeSpan.Zero);
        await using var alice = await AliceAsync(proxy.BaseAddress, reconnect: true);
        long last = 0;
        var connects = 0;
        var received = Received.On(alice, e =>
        {
            if (e.Position > 0 && e.Kind != ChangeKind.Connected)
            {
                Interlocked.Exchange(ref last, e.Position);
            }

            if (e.Kind == ChangeKind.Connected && Interlocked.Increment(ref connects) > 1 && resume)
            {
                // Handlers must not block on an invocation: join from another task.
                _ = Task.Run(() => alice.InvokeAsync<long>(nameof(ChangesHub.JoinResourceAfter), key, Interlocked.Read(ref last)));
            }
        });
        await alice.StartAsync();
        Interlocked.Exchange(ref last, await alice.InvokeAsync<long>(nameof(ChangesHub.JoinResource), key));

        var version = await SaveAsync(p, 20, 1);
        await Received.UntilAsync(() => received.VersionsOf(key).Contains(version), $"version {version}");
        proxy.DropConnections();
        version = await SaveAsync(p, 20, version);
        await Received.UntilAsync(() => Volatile.Read(ref connects) >= 2, "the automatic reconnect");
        version = await SaveAsync(p, 20, version);

        var expected = Enumerable.Range(2, version - 1).Select(v => (long)v).ToList();
        if (resume)
        {
            await Received.UntilAsync(() => received.VersionsOf(key).Contains(version), $"version {version}");
        }

        await Task.Delay(500);
        return (received.VersionsOf(key), expected);
    }

    [Fact]
    public async Task AnAccessTokenInTheQuery_IsHonouredOnTheHub_AndNowhereElse()
    {
        var token = await ApiClient.TokenAsync(host.BaseAddress, "alice");
        using var anonymous = ApiClient.Anonymous(host.BaseAddress);

        using var negotiate = await anonymous.PostAsync($"{ChangesHub.Path}/negotiate?negotiateVersion=1&access_token={token}", null);
        using var negotiateWithout = await anonymous.PostAsync($"{ChangesHub.Path}/negotiate?negotiateVersion=1", null);
        using var api = await anonymous.GetAsync($"/api/products?access_token={token}");

        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, negotiateWithout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task UnauthenticatedConnection_IsRefused()
    {
        await using var anonymous = Connect(null);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
    }

    [Theory]
    [InlineData(nameof(ChangesHub.JoinCollection), "users")]
    [InlineData(nameof(ChangesHub.JoinResource), "secret/1")]
    [InlineData(nameof(ChangesHub.JoinResource), "product/x")]
    public async Task JoiningAGroupNobodyMayRead_IsRefused(string method, string group)
    {
        await using var alice = await AliceAsync();
        await alice.StartAsync();
        var ex = await Assert.ThrowsAsync<HubException>(() => alice.InvokeAsync<long>(method, group));
        Assert.Contains("not a", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JoiningAfterANegativePosition_IsRefused_NamingThePosition()
    {
        await using var alice = await AliceAsync();
        await alice.StartAsync();
        var ex = await Assert.ThrowsAsync<HubException>(() => alice.InvokeAsync<long>(nameof(ChangesHub.JoinCollectionAfter), "products", -1L));
        Assert.Contains("position must be 0 or more", ex.Message, StringComparison.Ordinal);
    }
}

using System.Collections.Concurrent;
using System.Net;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Changes;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Changes;
using CollabEditor.WebApp.Tests.Field;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;
using static CollabEditor.WebApp.Tests.ApiClient;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// The hub as outside programs use it, under load: 100 SignalR subscribers on two instances, 8 HTTP
/// writers, 2,000 saves; some subscribers follow the collection, some one product, some both. During
/// the run instance A's LISTEN connection is killed, and a tenth of the subscribers lose their
/// connection (a network blip) and resume from their last position as the README says. Every
/// subscriber must get every committed version of what it follows exactly once, in order per key.
/// Latency is measured by the live-latency benchmark, not here.
/// </summary>
public sealed class HubOutsideClientTests(TwoInstances apps, ITestOutputHelper output) : IClassFixture<TwoInstances>
{
    private const int Subscribers = 100;
    private const int Writers = 8;
    private const int Saves = 2000;
    private const int Products = 16;
    private static readonly Actor Seed = new("seed-id", "Seed");

    /// <summary>One outside program: follows its groups, remembers the last position, resumes after a reconnect.</summary>
    private sealed class Subscriber : IAsyncDisposable
    {
        private readonly HubConnection _connection;
        private long _last;
        private int _connects;

        public Subscriber(int index, Uri address, string token, string[] resources, bool collection)
        {
            Index = index;
            Resources = resources;
            FollowsCollection = collection;
            _connection = new HubConnectionBuilder()
                .WithUrl(new Uri(address, ChangesHub.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
                .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)])
                .Build();
            _connection.On<ChangeEvent>(nameof(IChangeClient.Changed), OnChanged);
        }

        public int Index { get; }

        public string[] Resources { get; }

        public bool FollowsCollection { get; }

        public ConcurrentQueue<ChangeEvent> Received { get; } = new();

        public int Connects => Volatile.Read(ref _connects);

        public ConcurrentQueue<string> Errors { get; } = new();

        public async Task StartAsync()
        {
            await _connection.StartAsync();
            await JoinAsync(after: null);
        }

        private void OnChanged(ChangeEvent e)
        {
            Received.Enqueue(e);
            if (e.Kind == ChangeKind.Connected)
            {
                if (Interlocked.Increment(ref _connects) > 1)
                {
                    // A new connection follows nothing: join again from the last position seen.
                    _ = Task.Run(() => JoinAsync(Interlocked.Read(ref _last)));
                }

                return;
            }

            if (e.Position > Interlocked.Read(ref _last))
            {
                Interlocked.Exchange(ref _last, e.Position);
            }
        }

        private async Task JoinAsync(long? after)
        {
            try
            {
                var groups = Resources.Select(r => (Name: r, Collection: false)).ToList();
                if (FollowsCollection)
                {
                    groups.Insert(0, ("products", true));
                }

                foreach (var (name, collection) in groups)
                {
                    var method = (collection, after) switch
                    {
                        (true, null) => nameof(ChangesHub.JoinCollection),
                        (false, null) => nameof(ChangesHub.JoinResource),
                        (true, _) => nameof(ChangesHub.JoinCollectionAfter),
                        (false, _) => nameof(ChangesHub.JoinResourceAfter),
                    };
                    var at = after is { } position
                        ? await _connection.InvokeAsync<long>(method, name, position)
                        : await _connection.InvokeAsync<long>(method, name);
                    if (after is null && at > Interlocked.Read(ref _last))
                    {
                        Interlocked.Exchange(ref _last, at);
                    }
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Errors.Enqueue(ex.Message);
            }
        }

        public bool Follows(string key) => FollowsCollection || Resources.Contains(key);

        public List<long> VersionsOf(string key) =>
            [.. Received.Where(e => e.Key == key && e.Kind is ChangeKind.Saved).Select(e => e.Version)];

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }

    [Fact]
    [Trait("Category", "Load")]
    public async Task HundredSubscribers_TwoInstances_AListenerKillAndABlip_EveryVersionOnceInOrder()
    {
        var store = apps.A.Services.GetRequiredService<ProductStore>();
        var products = new List<ProductSnapshot>();
        for (var i = 0; i < Products; i++)
        {
            products.Add(Assert.IsType<SaveResult.Saved>(await store.CreateAsync(new ProductValues($"HUBLOAD-{i:D2}", $"Hub load {i}", "Written by the outside-client test.", 10m, 0, false), Seed)).Current);
        }

        var keys = products.Select(p => ResourceKey.ForProduct(p.Id)).ToArray();
        var token = await TokenAsync(apps.A.BaseAddress, "alice");
        await using var proxyA = LatencyProxy.Start(apps.A.BaseAddress, TimeSpan.Zero);
        await using var proxyB = LatencyProxy.Start(apps.B.BaseAddress, TimeSpan.Zero);
        var subscribers = new List<Subscriber>();
        try
        {
            for (var i = 0; i < Subscribers; i++)
            {
                // A tenth go through a proxy that will drop them; the rest connect directly.
                var onA = i % 2 == 0;
                var address = i % 10 == 0 ? (onA ? proxyA : proxyB).BaseAddress : (onA ? apps.A : apps.B).BaseAddress;
                var (resources, collection) = (i % 4) switch
                {
                    0 => (new[] { keys[i % Products] }, true),
                    1 => (new[] { keys[i % Products], keys[(i + 5) % Products] }, false),
                    _ => (Array.Empty<string>(), true),
                };
                subscribers.Add(new Subscriber(i, address, token, resources, collection));
            }

            await Task.WhenAll(subscribers.Select(s => s.StartAsync()));

            // 8 writers over HTTP, half on each instance: read, PUT with If-Match, again on 412.
            var acked = 0;
            var listenerKilled = new TaskCompletionSource();
            var blipped = new TaskCompletionSource();
            var acks = new ConcurrentDictionary<string, ConcurrentBag<int>>();
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                using var client = await SignedInAsync(w % 2 == 0 ? apps.A.BaseAddress : apps.B.BaseAddress, "bob");
                var random = new Random(w);
                while (Interlocked.CompareExchange(ref acked, 0, 0) < Saves)
                {
                    var p = products[random.Next(Products)];
                    using var get = await client.GetAsync($"/api/products/{p.Id}");
                    var body = await get.JsonAsync();
                    var input = new
                    {
                        sku = body.GetProperty("sku").GetString(),
                        name = body.GetProperty("name").GetString(),
                        description = body.GetProperty("description").GetString(),
                        price = body.GetProperty("price").GetDecimal(),
                        stock = body.GetProperty("stock").GetInt32() + 1,
                        requiresCheckout = false,
                    };
                    using var put = await client.SendAsync(Request(HttpMethod.Put, $"/api/products/{p.Id}", input, ifMatch: get.Headers.ETag!.Tag));
                    if (put.StatusCode == HttpStatusCode.PreconditionFailed)
                    {
                        continue;
                    }

                    Assert.Equal(HttpStatusCode.OK, put.StatusCode);
                    var version = int.Parse(put.Headers.ETag!.Tag.Trim('"'), System.Globalization.CultureInfo.InvariantCulture);
                    acks.GetOrAdd(ResourceKey.ForProduct(p.Id), _ => []).Add(version);
                    var n = Interlocked.Increment(ref acked);
                    if (n == Saves / 3)
                    {
                        listenerKilled.TrySetResult();
                    }
                    else if (n == Saves * 2 / 3)
                    {
                        blipped.TrySetResult();
                    }
                }
            })).ToArray();

            // The faults, while the writers write.
            var listenerA = apps.A.Services.GetRequiredService<ChangeListener>();
            var reconnectsBefore = listenerA.Reconnects;
            await listenerKilled.Task.WaitAsync(TimeSpan.FromSeconds(120));
            await using (var db = new NpgsqlConnection(apps.A.ConnectionString))
            {
                await db.OpenAsync();
                await using var kill = new NpgsqlCommand($"SELECT pg_terminate_backend({listenerA.BackendProcessId!.Value})", db);
                Assert.True((bool)(await kill.ExecuteScalarAsync())!);
            }

            await blipped.Task.WaitAsync(TimeSpan.FromSeconds(120));
            proxyA.DropConnections();
            proxyB.DropConnections();
            await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(180));

            // Everything committed, as the database has it now.
            var finals = new Dictionary<string, int>();
            foreach (var p in products)
            {
                finals[ResourceKey.ForProduct(p.Id)] = (await store.GetAsync(p.Id))!.Version;
            }

            bool AllArrived() => subscribers.All(s => keys.Where(s.Follows).All(k => s.VersionsOf(k).Count >= finals[k] - 1));
            using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                while (!AllArrived() && !wait.IsCancellationRequested)
                {
                    await Task.Delay(100);
                }
            }

            await Task.Delay(500);
            var received = subscribers.Sum(s => s.Received.Count);
            output.WriteLine($"{acked} saves acknowledged on {Products} products by {Writers} writers; {received} events received by {Subscribers} subscribers; " +
                $"listener A reconnects {listenerA.Reconnects - reconnectsBefore}; subscribers reconnected {subscribers.Count(s => s.Connects > 1)}; resyncs {subscribers.Sum(s => s.Received.Count(e => e.Kind == ChangeKind.Resync))}");

            Assert.True(listenerA.Reconnects > reconnectsBefore, "instance A's listener was not killed and reconnected");
            Assert.Equal(Subscribers / 10, subscribers.Count(s => s.Connects > 1));
            foreach (var (key, bag) in acks)
            {
                // Every acknowledged save is a committed version, each once.
                Assert.Equal(bag.Count, bag.Distinct().Count());
                Assert.Equal(finals[key] - 1, bag.Count);
            }

            Assert.All(subscribers, s =>
            {
                Assert.Empty(s.Errors);
                Assert.DoesNotContain(s.Received, e => e.Kind == ChangeKind.Resync);
                foreach (var key in keys.Where(s.Follows))
                {
                    var versions = s.VersionsOf(key);
                    Assert.True(Enumerable.Range(2, finals[key] - 1).Select(v => (long)v).SequenceEqual(versions),
                        $"subscriber {s.Index} ({(s.Connects > 1 ? "reconnected" : "direct")}) {key}: got {versions.Count} versions for {finals[key] - 1} committed" +
                        $" ({versions.Count - versions.Distinct().Count()} duplicates, first out of order at {versions.Zip(versions.Skip(1)).Select((pair, i) => (pair, i)).FirstOrDefault(x => x.pair.First >= x.pair.Second).i})");
                }

                foreach (var key in keys.Where(k => !s.Follows(k)))
                {
                    Assert.Empty(s.VersionsOf(key));
                }
            });
        }
        finally
        {
            await Task.WhenAll(subscribers.Select(s => s.DisposeAsync().AsTask()));
        }
    }
}

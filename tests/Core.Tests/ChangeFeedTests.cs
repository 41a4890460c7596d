using CollabEditor.Core.Changes;
using Microsoft.Extensions.Time.Testing;

namespace CollabEditor.Core.Tests;

public sealed class ChangeFeedTests
{
    private static ChangeEvent Saved(int id, int version) => new(ChangeKind.Saved, ResourceKey.ForProduct(id), version, "Bob");

    [Fact]
    public async Task Subscribe_DeliversMatchingEventsOnly()
    {
        var feed = new ChangeFeed(TimeProvider.System);
        var got = new TaskCompletionSource<IReadOnlyList<ChangeEvent>>();
        using var _ = feed.Subscribe(e => e.Key == "product/2", b => { got.TrySetResult(b); return Task.CompletedTask; });

        feed.Publish(Saved(1, 5));
        feed.Publish(Saved(2, 7));

        var batch = await got.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(Saved(2, 7), Assert.Single(batch));
    }

    [Fact]
    public async Task Subscribe_WithACoalesceWindow_DeliversABurstOnce_LatestPerKey()
    {
        var time = new FakeTimeProvider();
        var feed = new ChangeFeed(time);
        var calls = new List<IReadOnlyList<ChangeEvent>>();
        var delivered = new TaskCompletionSource();
        using var _ = feed.Subscribe(_ => true, b => { calls.Add(b); delivered.TrySetResult(); return Task.CompletedTask; }, TimeSpan.FromMilliseconds(200));

        for (var v = 2; v <= 300; v++)
        {
            feed.Publish(Saved(1, v));
        }

        feed.Publish(Saved(2, 9));
        Assert.Empty(calls);
        time.Advance(TimeSpan.FromMilliseconds(200));
        await delivered.Task.WaitAsync(TimeSpan.FromSeconds(5));

        var batch = Assert.Single(calls);
        Assert.Equal([Saved(1, 300), Saved(2, 9)], batch);
    }

    [Fact]
    public async Task WithoutAWindow_EveryVersionIsDelivered_OnceAndInOrder_OneCallAtATime_EvenWithASlowHandler()
    {
        var feed = new ChangeFeed(TimeProvider.System);
        var order = await DeliveryOrderAsync(handler => feed.Subscribe(_ => true, handler), feed.Publish);

        Assert.Equal(0, order.Overlaps);
        Assert.Equal(Enumerable.Range(1, Published).Select(v => (long)v), order.Versions);
    }

    [Fact]
    public async Task NegativeControl_ResettingTheScheduledFlagBeforeAwaitingTheHandler_DeliversOutOfOrder()
    {
        // The feed as it was: a new delivery could start while the previous one was still awaited.
        var naive = new NaiveSubscription();
        var order = await DeliveryOrderAsync(naive.Subscribe, naive.Offer);

        Assert.True(order.Overlaps > 0 || !order.Versions.SequenceEqual(Enumerable.Range(1, Published).Select(v => (long)v)),
            $"the naive delivery kept order: the test would not catch the bug ({order.Overlaps} overlaps, {order.Versions.Count} versions)");
    }

    private const int Published = 400;

    private sealed record Delivery(List<long> Versions, int Overlaps);

    /// <summary>Publishes versions 1..N of one key from several threads in turn while the handler is slow now and then.</summary>
    private static async Task<Delivery> DeliveryOrderAsync(Func<Func<IReadOnlyList<ChangeEvent>, Task>, IDisposable> subscribe, Action<ChangeEvent> publish)
    {
        var versions = new List<long>();
        var inside = 0;
        var overlaps = 0;
        var all = new TaskCompletionSource();
        using var _ = subscribe(async batch =>
        {
            if (Interlocked.Increment(ref inside) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            // Slow now and then, as a client on a slow link is.
            await Task.Delay(batch[0].Version % 3 == 0 ? 15 : 0);
            lock (versions)
            {
                versions.AddRange(batch.Select(e => e.Version));
                if (versions.Count >= Published)
                {
                    all.TrySetResult();
                }
            }

            Interlocked.Decrement(ref inside);
        });

        // Published from the thread pool (as the listener does), in small bursts.
        await Task.Run(async () =>
        {
            for (var v = 1; v <= Published; v++)
            {
                publish(Saved(1, v));
                if (v % 5 == 0)
                {
                    await Task.Delay(1);
                }
            }
        });

        await Task.WhenAny(all.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        await Task.Delay(50);
        lock (versions)
        {
            return new([.. versions], overlaps);
        }
    }

    /// <summary>ChangeFeed's subscription before the fix: the scheduled flag was reset before the handler was awaited.</summary>
    private sealed class NaiveSubscription
    {
        private readonly Lock _gate = new();
        private readonly List<ChangeEvent> _pending = [];
        private Func<IReadOnlyList<ChangeEvent>, Task> _handler = _ => Task.CompletedTask;
        private bool _scheduled;

        public IDisposable Subscribe(Func<IReadOnlyList<ChangeEvent>, Task> handler)
        {
            _handler = handler;
            return new Nothing();
        }

        public void Offer(ChangeEvent change)
        {
            lock (_gate)
            {
                _pending.Add(change);
                if (_scheduled)
                {
                    return;
                }

                _scheduled = true;
            }

            _ = DeliverAsync();
        }

        private async Task DeliverAsync()
        {
            await Task.Yield();
            ChangeEvent[] batch;
            lock (_gate)
            {
                batch = [.. _pending];
                _pending.Clear();
                _scheduled = false;
            }

            if (batch.Length > 0)
            {
                await _handler(batch);
            }
        }

        private sealed class Nothing : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }

    [Fact]
    public async Task Resync_ReachesEverySubscriberWhateverItsFilter()
    {
        var feed = new ChangeFeed(TimeProvider.System);
        var got = new TaskCompletionSource<ChangeEvent>();
        using var _ = feed.Subscribe(_ => false, b => { got.TrySetResult(b[0]); return Task.CompletedTask; });

        feed.Publish(ChangeEvent.Resync);

        Assert.Equal(ChangeKind.Resync, (await got.Task.WaitAsync(TimeSpan.FromSeconds(5))).Kind);
    }

    [Fact]
    public async Task AFailingSubscriber_DoesNotStopTheOthers_AndIsReported()
    {
        var feed = new ChangeFeed(TimeProvider.System);
        var failed = new TaskCompletionSource<Exception>();
        feed.HandlerFailed += ex => failed.TrySetResult(ex);
        var got = new TaskCompletionSource();
        using var bad = feed.Subscribe(_ => true, _ => throw new InvalidOperationException("boom"));
        using var good = feed.Subscribe(_ => true, _ => { got.TrySetResult(); return Task.CompletedTask; });

        feed.Publish(Saved(1, 2));

        await got.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("boom", (await failed.Task.WaitAsync(TimeSpan.FromSeconds(5))).Message);
    }

    [Fact]
    public void Dispose_Unsubscribes()
    {
        var feed = new ChangeFeed(TimeProvider.System);
        var s = feed.Subscribe(_ => true, _ => Task.CompletedTask);
        Assert.Equal(1, feed.SubscriberCount);
        s.Dispose();
        Assert.Equal(0, feed.SubscriberCount);
    }

    [Theory]
    [InlineData("product/12", true)]
    [InlineData("product/0", false)]
    [InlineData("product/-1", false)]
    [InlineData("product/abc", false)]
    [InlineData("secret/1", false)]
    [InlineData("products", false)]
    public void ResourceKey_AcceptsOnlyKnownKindsWithPositiveIds(string key, bool valid) =>
        Assert.Equal(valid, ResourceKey.TryParse(key, out _, out _));

    [Fact]
    public void ChangeEvent_KnowsItsCollection() => Assert.Equal("products", Saved(3, 1).Collection);
}

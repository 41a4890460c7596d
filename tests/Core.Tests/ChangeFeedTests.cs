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

namespace CollabEditor.Core.Changes;

/// <summary>
/// The in-process fan-out of committed changes: one per app instance, fed by the database listener.
/// Subscriptions are <see cref="IDisposable"/>; a slow or failing subscriber never delays the others.
/// </summary>
public sealed class ChangeFeed(TimeProvider time)
{
    private readonly TimeProvider _time = time;
    private readonly Lock _gate = new();
    private ImmutableSubscribers _subscribers = ImmutableSubscribers.Empty;

    /// <summary>Raised when a subscriber's handler throws (the host logs it).</summary>
    public event Action<Exception>? HandlerFailed;

    /// <summary>Number of live subscriptions (for diagnostics and tests).</summary>
    public int SubscriberCount => _subscribers.Items.Length;

    /// <summary>Delivers <paramref name="change"/> to every matching subscriber.</summary>
    public void Publish(ChangeEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        foreach (var s in _subscribers.Items)
        {
            s.Offer(change);
        }
    }

    /// <summary>
    /// Calls <paramref name="handler"/> for each matching event (resyncs always match). With a
    /// <paramref name="coalesce"/> window, events arriving within it are delivered together, latest
    /// per key, so a burst re-renders a page once instead of hundreds of times.
    /// </summary>
    public IDisposable Subscribe(Func<ChangeEvent, bool> filter, Func<IReadOnlyList<ChangeEvent>, Task> handler, TimeSpan coalesce = default)
    {
        var subscription = new Subscription(this, filter, handler, coalesce);
        lock (_gate)
        {
            _subscribers = _subscribers.Add(subscription);
        }

        return subscription;
    }

    private void Remove(Subscription s)
    {
        lock (_gate)
        {
            _subscribers = _subscribers.Remove(s);
        }
    }

    private sealed record ImmutableSubscribers(Subscription[] Items)
    {
        public static ImmutableSubscribers Empty { get; } = new([]);

        public ImmutableSubscribers Add(Subscription s) => new([.. Items, s]);

        public ImmutableSubscribers Remove(Subscription s) => new([.. Items.Where(x => !ReferenceEquals(x, s))]);
    }

    private sealed class Subscription(ChangeFeed feed, Func<ChangeEvent, bool> filter, Func<IReadOnlyList<ChangeEvent>, Task> handler, TimeSpan coalesce) : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly List<ChangeEvent> _pending = [];
        private bool _scheduled;
        private bool _disposed;

        public void Offer(ChangeEvent change)
        {
            if (_disposed || (change.Kind != ChangeKind.Resync && !filter(change)))
            {
                return;
            }

            lock (_gate)
            {
                // Latest per key wins; a resync stands for everything.
                _pending.RemoveAll(p => p.Key == change.Key && p.Kind != ChangeKind.Resync);
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
            try
            {
                if (coalesce > TimeSpan.Zero)
                {
                    await Task.Delay(coalesce, feed._time);
                }
                else
                {
                    await Task.Yield();
                }

                ChangeEvent[] batch;
                lock (_gate)
                {
                    batch = [.. _pending];
                    _pending.Clear();
                    _scheduled = false;
                }

                if (!_disposed && batch.Length > 0)
                {
                    await handler(batch);
                }
            }
            catch (Exception ex)
            {
                feed.HandlerFailed?.Invoke(ex);
            }
        }

        public void Dispose()
        {
            _disposed = true;
            feed.Remove(this);
        }
    }

}

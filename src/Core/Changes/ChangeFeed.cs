namespace CollabEditor.Core.Changes;

/// <summary>
/// The in-process fan-out of committed changes: one per app instance, fed by the database listener
/// in commit order. Subscriptions are <see cref="IDisposable"/>; a slow or failing subscriber never
/// delays the others, and each subscription gets one delivery at a time, in the order published.
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
    /// Calls <paramref name="handler"/> for each matching event (resyncs always match), one call at a
    /// time and in the order published: a batch is handed over only after the previous call has
    /// completed. Without a <paramref name="coalesce"/> window every event is delivered (what arrived
    /// during a call comes in the next batch, in order). With one, events arriving within it are
    /// delivered together, latest per key, so a burst re-renders a page once instead of hundreds of
    /// times.
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
        private bool _running;
        private bool _disposed;

        private bool Coalescing => coalesce > TimeSpan.Zero;

        public void Offer(ChangeEvent change)
        {
            if (_disposed || (change.Kind != ChangeKind.Resync && !Wants(change)))
            {
                return;
            }

            lock (_gate)
            {
                if (Coalescing)
                {
                    // Latest per key wins; a resync stands for everything.
                    _pending.RemoveAll(p => p.Key == change.Key && p.Kind != ChangeKind.Resync);
                }

                _pending.Add(change);
                if (_running)
                {
                    // The running delivery loop takes it after the current call.
                    return;
                }

                _running = true;
            }

            _ = DeliverAsync();
        }

        /// <summary>A filter that throws is reported and skips that event; it never stops the publisher.</summary>
        private bool Wants(ChangeEvent change)
        {
            try
            {
                return filter(change);
            }
            catch (Exception ex)
            {
                feed.HandlerFailed?.Invoke(ex);
                return false;
            }
        }

        /// <summary>
        /// The one delivery loop of this subscription: it runs until nothing is pending, so a new
        /// batch never starts while the handler is still awaiting the previous one.
        /// </summary>
        private async Task DeliverAsync()
        {
            while (true)
            {
                try
                {
                    if (Coalescing)
                    {
                        await Task.Delay(coalesce, feed._time);
                    }
                    else
                    {
                        await Task.Yield();
                    }
                }
                catch (Exception ex)
                {
                    feed.HandlerFailed?.Invoke(ex);
                }

                ChangeEvent[] batch;
                lock (_gate)
                {
                    if (_pending.Count == 0 || _disposed)
                    {
                        _pending.Clear();
                        _running = false;
                        return;
                    }

                    batch = [.. _pending];
                    _pending.Clear();
                }

                try
                {
                    await handler(batch);
                }
                catch (Exception ex)
                {
                    feed.HandlerFailed?.Invoke(ex);
                }
            }
        }

        public void Dispose()
        {
            _disposed = true;
            feed.Remove(this);
        }
    }
}

using CollabEditor.Core.Changes;
using CollabEditor.Core.Customers;
using CollabEditor.Data.Customers;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Lists;
using CollabEditor.Data.Orders;
using CollabEditor.Core.Products;
using CollabEditor.Data.Products;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CollabEditor.WebApp.Lists;

/// <summary>
/// The instance's one reader for its open product, order and customer lists: a burst of changes to a
/// collection is read once (the saved rows in one <c>id = ANY</c> query, the changed leases in one
/// more) and the fresh rows are handed to every open list of that collection, which patches what it
/// shows or re-queries (<see cref="ListDecider"/>). Work per change is the same for 1 or 150 open lists.
/// </summary>
public sealed partial class LiveLists : IDisposable
{
    private readonly Collection<ProductSnapshot> _products;
    private readonly Collection<OrderSummary> _orders;
    private readonly Collection<CustomerSnapshot> _customers;

    public LiveLists(ChangeFeed feed, ProductStore products, OrderStore orders, CustomerStore customers, LeaseStore leases, NpgsqlDataSource dataSource, IOptions<ListOptions> options, TimeProvider time, ILogger<LiveLists> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var text = new TextRules(dataSource);
        var settings = options.Value;
        _products = new("products", ResourceKey.Product, feed, settings, time, text, leases, logger, (ids, ct) => Read(products.GetManyAsync(ids, ct), p => p.Id));
        _orders = new("orders", ResourceKey.Order, feed, settings, time, text, leases, logger, (ids, ct) => Read(orders.SummariesAsync(ids, ct), o => o.Id));
        _customers = new(ResourceKey.CollectionOf(ResourceKey.Customer), ResourceKey.Customer, feed, settings, time, text, leases, logger, (ids, ct) => Read(customers.GetManyAsync(ids, ct), c => c.Id));
    }

    /// <summary>Shared reads done so far (row reads and lease reads), for tests and diagnostics.</summary>
    public long Reads => _products.Reads + _orders.Reads + _customers.Reads;

    /// <summary>Hands every batch of product changes to <paramref name="handler"/> until disposed.</summary>
    public IDisposable SubscribeProducts(Func<ListChanges<ProductSnapshot>, Task> handler) => _products.Subscribe(handler);

    /// <summary>Hands every batch of order changes to <paramref name="handler"/> until disposed.</summary>
    public IDisposable SubscribeOrders(Func<ListChanges<OrderSummary>, Task> handler) => _orders.Subscribe(handler);

    /// <summary>Hands every batch of customer changes to <paramref name="handler"/> until disposed.</summary>
    public IDisposable SubscribeCustomers(Func<ListChanges<CustomerSnapshot>, Task> handler) => _customers.Subscribe(handler);

    public void Dispose()
    {
        _products.Dispose();
        _orders.Dispose();
        _customers.Dispose();
    }

    private static async Task<IReadOnlyDictionary<int, T>> Read<T>(Task<IReadOnlyList<T>> rows, Func<T, int> id) => (await rows).ToDictionary(id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live {Collection} lists: reading the changed rows failed ({Reason}); open lists re-query")]
    private static partial void LogReadFailed(ILogger logger, Exception ex, string collection, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live {Collection} lists: an open list failed on a batch ({Reason})")]
    private static partial void LogHandlerFailed(ILogger logger, Exception ex, string collection, string reason);

    /// <summary>One collection's subscribers and the feed subscription that reads for them.</summary>
    private sealed class Collection<TItem> : IDisposable
    {
        private readonly string _name;
        private readonly string _kind;
        private readonly ListOptions _options;
        private readonly TimeProvider _time;
        private readonly List<ChangeEvent> _pending = [];
        private bool _flushing;
        private readonly TextRules _text;
        private readonly LeaseStore _leases;
        private readonly ILogger _logger;
        private readonly Func<IReadOnlyCollection<int>, CancellationToken, Task<IReadOnlyDictionary<int, TItem>>> _read;
        private readonly IDisposable _feed;
        private readonly Lock _gate = new();
        private Subscriber<TItem>[] _handlers = [];
        private long _reads;

        public Collection(string name, string kind, ChangeFeed feed, ListOptions options, TimeProvider time, TextRules text, LeaseStore leases, ILogger logger,
            Func<IReadOnlyCollection<int>, CancellationToken, Task<IReadOnlyDictionary<int, TItem>>> read)
        {
            (_name, _kind, _options, _time, _text, _leases, _logger, _read) = (name, kind, options, time, text, leases, logger, read);
            // Every event, not the feed's latest-per-key coalescing: a Created or a LeaseGranted
            // followed by a Saved of the same row must both count.
            _feed = feed.Subscribe(e => e.Collection == _name && e.Kind is ChangeKind.Created or ChangeKind.Saved or ChangeKind.Deleted or ChangeKind.LeaseGranted
                or ChangeKind.LeaseReleased or ChangeKind.LeaseExpired or ChangeKind.LeaseForceReleased, OnEventsAsync);
        }

        public long Reads => Interlocked.Read(ref _reads);

        public Unsubscriber Subscribe(Func<ListChanges<TItem>, Task> handler)
        {
            var subscriber = new Subscriber<TItem>(handler);
            lock (_gate)
            {
                _handlers = [.. _handlers, subscriber];
            }

            return new Unsubscriber(() =>
            {
                lock (_gate)
                {
                    _handlers = [.. _handlers.Where(h => h != subscriber)];
                }
            });
        }

        public void Dispose() => _feed.Dispose();

        private Task OnEventsAsync(IReadOnlyList<ChangeEvent> events)
        {
            lock (_gate)
            {
                if (_handlers.Length == 0)
                {
                    return Task.CompletedTask;
                }

                _pending.AddRange(events);
                if (_flushing)
                {
                    return Task.CompletedTask;
                }

                _flushing = true;
            }

            _ = FlushLoopAsync();
            return Task.CompletedTask;
        }

        /// <summary>The one loop that collects a window of events, reads once, hands the result out; until nothing is pending.</summary>
        private async Task FlushLoopAsync()
        {
            while (true)
            {
                // Old behaviour (the baseline): the 250 ms each list used to coalesce with.
                var window = TimeSpan.FromMilliseconds(_options.LivePatch ? _options.LiveCoalesceMilliseconds : 250);
                if (window > TimeSpan.Zero)
                {
                    await Task.Delay(window, _time);
                }

                ChangeEvent[] batch;
                lock (_gate)
                {
                    if (_pending.Count == 0)
                    {
                        _flushing = false;
                        return;
                    }

                    batch = [.. _pending];
                    _pending.Clear();
                }

                await OnBatchAsync(batch);
            }
        }

        private async Task OnBatchAsync(IReadOnlyList<ChangeEvent> batch)
        {
            var handlers = _handlers;
            if (handlers.Length == 0)
            {
                return;
            }

            var changes = await ReadAsync(batch);
            foreach (var subscriber in handlers)
            {
                subscriber.Deliver(changes, _logger, _name);
            }
        }

        private async Task<ListChanges<TItem>> ReadAsync(IReadOnlyList<ChangeEvent> batch)
        {
            if (!_options.LivePatch || batch.Any(e => e.Kind is ChangeKind.Resync or ChangeKind.Created or ChangeKind.Deleted))
            {
                // Every list re-queries anyway: nothing to read.
                return ListChanges.RequeryAll<TItem>();
            }

            var saved = Ids(batch.Where(e => e.Kind == ChangeKind.Saved));
            var leased = Ids(batch.Where(e => e.Kind != ChangeKind.Saved));
            try
            {
                var text = await _text.GetAsync();
                IReadOnlyDictionary<int, TItem> rows = new Dictionary<int, TItem>();
                if (saved.Count > 0)
                {
                    Interlocked.Increment(ref _reads);
                    rows = await _read(saved, CancellationToken.None);
                    if (rows.Count < saved.Count)
                    {
                        // Deleted since: its Deleted event follows, but the lists need not wait for it.
                        return ListChanges.RequeryAll<TItem>();
                    }
                }

                var holders = new Dictionary<int, string?>();
                if (leased.Count > 0)
                {
                    Interlocked.Increment(ref _reads);
                    var live = await _leases.LiveHolderNamesAsync([.. leased.Select(Key)]);
                    foreach (var id in leased)
                    {
                        holders[id] = live.TryGetValue(Key(id), out var name) ? name : null;
                    }
                }

                return new ListChanges<TItem>(false, rows, holders, text);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Not silent: logged, and every list falls back to its own query.
                LogReadFailed(_logger, ex, _name, ex.Message);
                return ListChanges.RequeryAll<TItem>();
            }
        }

        private string Key(int id) => _kind + "/" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

        private static HashSet<int> Ids(IEnumerable<ChangeEvent> events)
        {
            var ids = new HashSet<int>();
            foreach (var e in events)
            {
                if (ResourceKey.TryParse(e.Key, out _, out var id))
                {
                    ids.Add(id);
                }
            }

            return ids;
        }
    }

    /// <summary>
    /// One open list: its batches run one after the other, in order, on the thread pool. Not inline:
    /// a page's InvokeAsync runs its work (the grid's render) on the calling thread when its circuit is
    /// idle, and 150 renders in a row on the reader's thread held up the next batch for seconds.
    /// </summary>
    private sealed class Subscriber<TItem>(Func<ListChanges<TItem>, Task> handler)
    {
        private readonly Lock _gate = new();
        private Task _tail = Task.CompletedTask;

        public void Deliver(ListChanges<TItem> changes, ILogger logger, string collection)
        {
            lock (_gate)
            {
                _tail = _tail.ContinueWith(_ => RunAsync(changes, logger, collection), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            }
        }

        private async Task RunAsync(ListChanges<TItem> changes, ILogger logger, string collection)
        {
            try
            {
                await handler(changes);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogHandlerFailed(logger, ex, collection, ex.Message);
            }
        }
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }

    /// <summary>
    /// The database's text rules, read once they can be read: a read that fails (the database away
    /// at the first batch) counts as "nothing reproducible" for that batch — its lists re-query —
    /// and is tried again with the next one, instead of turning patching off until a restart.
    /// </summary>
    private sealed class TextRules(NpgsqlDataSource dataSource)
    {
        private DatabaseText? _known;

        public async Task<DatabaseText> GetAsync()
        {
            if (_known is { } known)
            {
                return known;
            }

            try
            {
                return _known = await DatabaseText.ReadAsync(dataSource);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                return DatabaseText.Unknown;
            }
        }
    }
}

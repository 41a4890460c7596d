using CollabEditor.Core.Changes;
using CollabEditor.Core.Editing;
using CollabEditor.Core.Users;
using CollabEditor.Data.Presence;
using CollabEditor.Data.Resilience;
using CollabEditor.WebApp.Presence;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CollabEditor.WebApp.Editing;

/// <summary>
/// The presence of one open editor page (issue 15): keeps its row alive, says which field its cursor is
/// in and which fields it has unsaved changes in, and knows who else is on the page and in which field.
/// Writes never block the caller: they run off the render path, one at a time per page, the latest
/// state winning; a database outage is skipped like a missed heartbeat and tried again on the next one.
/// Create one per page with <c>ActivatorUtilities.CreateInstance&lt;PagePresence&gt;(services)</c> and dispose it with the page.
/// </summary>
public sealed partial class PagePresence(
    CircuitPresence circuit,
    PresenceStore store,
    ChangeFeed feed,
    TimeProvider time,
    IOptions<PresenceOptions> presenceOptions,
    IOptions<EditingOptions> editingOptions,
    ILogger<PagePresence> logger) : IAsyncDisposable
{
    /// <summary>Idle timers fire this much after the database said the changes go idle, so the re-read sees them idle.</summary>
    private static readonly TimeSpan IdleMargin = TimeSpan.FromMilliseconds(50);

    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly Lock _gate = new();
    private string? _key;
    private Actor? _me;
    private Func<Task> _changed = () => Task.CompletedTask;
    private IDisposable? _subscription;
    private ITimer? _idleTimer;
    private Task _beats = Task.CompletedTask;
    private bool _disposed;

    // Mine, guarded by _gate.
    private string? _field;
    private string[] _touched = [];
    // The field I typed in since my cursor entered it: never locked under me while I am in it, even when
    // what I typed happens to equal what was there (100 → 10 → 100 on the way to 1000).
    private string? _typedIn;
    private long _lastEditWrite;
    private bool _dirty;
    private bool _editPending;
    private bool _writing;
    private bool _retryWrite;
    private Task _writer = Task.CompletedTask;

    // The others, replaced whole (under _gate) on each read and each change of what I touched.
    private volatile Seen _seen = Seen.Nobody;
    private volatile bool _listFailed;

    /// <summary>This page's presence id (its row).</summary>
    public Guid PageId { get; } = Guid.NewGuid();

    /// <summary>Whether soft field locks are on (<see cref="EditingOptions.FieldLocks"/>).</summary>
    public bool LocksEnabled => editingOptions.Value.FieldLocks;

    /// <summary>The field my cursor is in, as last told with <see cref="FocusAsync"/>.</summary>
    public string? Focused
    {
        get
        {
            lock (_gate)
            {
                return _field;
            }
        }
    }

    /// <summary>Who else has the page open ("Also here"), each once; another tab of mine is "You (another tab)".</summary>
    public IReadOnlyList<string> Others => _seen.Others;

    /// <summary>Who is in and changing <paramref name="field"/>, and whether it is locked for me.</summary>
    public FieldState For(string field) => _seen.Fields.For(field);

    /// <summary>
    /// Comes onto <paramref name="resourceKey"/> as <paramref name="me"/>: the first heartbeat and read,
    /// then a heartbeat loop and the feed subscription. <paramref name="changed"/> is called (the caller
    /// marshals it with <c>InvokeAsync</c>) whenever what this shows may have changed, a lock going idle included.
    /// </summary>
    public async Task StartAsync(string resourceKey, Actor me, Func<Task> changed)
    {
        ArgumentException.ThrowIfNullOrEmpty(resourceKey);
        ArgumentNullException.ThrowIfNull(me);
        ArgumentNullException.ThrowIfNull(changed);
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_gate)
        {
            if (_key is not null)
            {
                throw new InvalidOperationException("This page's presence has already started.");
            }

            _key = resourceKey;
            _me = me;
            _changed = changed;
        }

        // A listener reconnect sends a presence event without a key: everything is read again.
        _subscription = feed.Subscribe(
            e => e.Kind == ChangeKind.Presence && (e.Key == resourceKey || e.Key.Length == 0),
            _ => RefreshAsync(),
            TimeSpan.FromMilliseconds(100));
        await BeatAsync();
        await RefreshAsync();
        _beats = HeartbeatLoopAsync();
        Schedule(force: false);
    }

    /// <summary>My cursor entered <paramref name="field"/>; null: it left every field.</summary>
    public Task FocusAsync(string? field) => MoveCursor(from: null, to: field);

    /// <summary>My cursor left <paramref name="field"/>; nothing when it has moved to another field meanwhile.</summary>
    public Task LeaveFieldAsync(string field) => MoveCursor(from: field, to: null);

    /// <summary>Moves my cursor to <paramref name="to"/>; with <paramref name="from"/>, only when it is still there.</summary>
    private Task MoveCursor(string? from, string? to)
    {
        lock (_gate)
        {
            if (_field == to || (from is not null && _field != from))
            {
                return Task.CompletedTask;
            }

            _field = to;
            _typedIn = null;
            Recompute();
        }

        Schedule(force: true);
        return Task.CompletedTask;
    }

    // My own locks follow what I touched and where I type at once, without waiting for a write (the caller holds _gate).
    private void Recompute() => _seen = _seen.WithTouched(Exempt(), _me?.UserId ?? string.Empty, LocksEnabled);

    /// <summary>The user typed (not a pickup of someone else's save): the field my cursor is in cannot lock under me now.</summary>
    public void Typed()
    {
        lock (_gate)
        {
            if (_field is not null && _typedIn != _field)
            {
                _typedIn = _field;
                Recompute();
            }
        }
    }

    // The fields no one else's changes may lock for me: those I changed, and the one I am typing in.
    private string[] Exempt() => _typedIn is null || _touched.Contains(_typedIn, StringComparer.Ordinal) ? _touched : [.. _touched, _typedIn];

    /// <summary>
    /// The fields I have unsaved changes in now; call on every edit. Written when the set changes; an
    /// edit that leaves it as it is only refreshes my last edit now and then (so my locks do not lapse
    /// while I type), an empty set (saved, or all undone) lifts them at once.
    /// </summary>
    public Task ChangingAsync(IReadOnlyCollection<string> touched)
    {
        ArgumentNullException.ThrowIfNull(touched);
        string[] set = [.. touched.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        lock (_gate)
        {
            var same = set.SequenceEqual(_touched, StringComparer.Ordinal);
            if (same && (set.Length == 0 || time.GetElapsedTime(_lastEditWrite) < RefreshEditEvery))
            {
                return Task.CompletedTask;
            }

            _touched = set;
            if (set.Length > 0)
            {
                _editPending = true;
                _lastEditWrite = time.GetTimestamp();
            }

            Recompute();
        }

        Schedule(force: true);
        return Task.CompletedTask;
    }

    /// <summary>
    /// How often an unchanged set of edited fields refreshes its last edit: often enough that a typist's
    /// lock never lapses under them, seldom enough to stay quiet (each refresh is announced).
    /// </summary>
    private TimeSpan RefreshEditEvery => TimeSpan.FromTicks(Math.Clamp(
        editingOptions.Value.FieldLockIdle.Ticks / 3, TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromSeconds(5).Ticks));

    private static bool IsOutage(Exception ex) => TransientRetry.IsTransient(ex) || ex is NpgsqlException or TimeoutException;

    private void Schedule(bool force)
    {
        lock (_gate)
        {
            _dirty |= force;
            if (!_dirty || _writing || _key is null || _disposed)
            {
                return;
            }

            _writing = true;
            _writer = Task.Run(WriteLoopAsync);
        }
    }

    /// <summary>The one writer of this page: writes the latest state until nothing new is pending.</summary>
    private async Task WriteLoopAsync()
    {
        while (true)
        {
            PresenceFields fields;
            bool edited;
            lock (_gate)
            {
                if (!_dirty || _stop.IsCancellationRequested)
                {
                    _writing = false;
                    return;
                }

                _dirty = false;
                fields = new PresenceFields(_field, _touched);
                edited = _editPending;
                _editPending = false;
            }

            try
            {
                await circuit.SetFieldsAsync(PageId, _key!, _me!, fields, edited, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                lock (_gate)
                {
                    _writing = false;
                }

                return;
            }
            catch (Exception ex) when (IsOutage(ex))
            {
                // Longer than the retries: the next heartbeat writes the latest state again.
                lock (_gate)
                {
                    _retryWrite = true;
                    _editPending |= edited;
                }
            }
            catch (Exception ex)
            {
                // Anything else: said in the log, and the writer stays usable (a stuck writer would leave the last chip and lock standing).
                LogWriteFailed(logger, ex);
                lock (_gate)
                {
                    _retryWrite = true;
                    _editPending |= edited;
                    _writing = false;
                }

                return;
            }
        }
    }

    private async Task BeatAsync()
    {
        try
        {
            await circuit.HeartbeatAsync(PageId, _key!, _me!, _stop.Token);
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            // The database is away for longer than the retries: skip this beat, the next one tries again.
        }
    }

    private async Task HeartbeatLoopAsync()
    {
        using var timer = new PeriodicTimer(presenceOptions.Value.HeartbeatEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await BeatAsync();
                bool retry;
                lock (_gate)
                {
                    retry = _retryWrite;
                    _retryWrite = false;
                }

                Schedule(force: retry);
                if (_listFailed)
                {
                    await RefreshAsync();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The page closed.
        }
    }

    /// <summary>Reads the others again (one read at a time), sets the idle timer, tells the page.</summary>
    private async Task RefreshAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await _refreshing.WaitAsync(_stop.Token);
            try
            {
                var entries = await store.ListAsync(_key!, PageId, _stop.Token);
                _listFailed = false;
                lock (_gate)
                {
                    _seen = Seen.From(entries, _me!.UserId, Exempt(), LocksEnabled);
                }

                SetIdleTimer(entries);
            }
            finally
            {
                _refreshing.Release();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            // Shown as it was; the next heartbeat reads again.
            _listFailed = true;
            return;
        }

        if (!_stop.IsCancellationRequested)
        {
            await _changed();
        }
    }

    /// <summary>Nobody announces that changes went idle: a timer reads again when the first of them does.</summary>
    private void SetIdleTimer(IReadOnlyList<PresenceView> entries)
    {
        var next = entries.Where(e => e.IdleIn is not null).Select(e => e.IdleIn!.Value).DefaultIfEmpty(Timeout.InfiniteTimeSpan).Min();
        lock (_gate)
        {
            _idleTimer?.Dispose();
            _idleTimer = next == Timeout.InfiniteTimeSpan || _disposed
                ? null
                : time.CreateTimer(_ => _ = RefreshOnIdleAsync(), null, next + IdleMargin, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task RefreshOnIdleAsync()
    {
        try
        {
            await RefreshAsync();
        }
        catch (Exception ex)
        {
            // Not the feed's delivery loop: nobody else would hear of it.
            LogIdleRefreshFailed(logger, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task writer;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _idleTimer?.Dispose();
            _idleTimer = null;
            writer = _writer;
        }

        _subscription?.Dispose();
        await _stop.CancelAsync();
        // A write still under way must not bring the row back after it is removed.
        await writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _beats.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_key is not null)
        {
            try
            {
                await circuit.LeaveAsync(PageId);
            }
            catch (Exception ex) when (IsOutage(ex) || ex is ObjectDisposedException)
            {
                // The database is away, or the app is stopping and its services are gone (its rows were
                // released when it began to stop): the row expires on its own after the presence TTL.
            }
        }

        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing this page's field presence failed; the next heartbeat writes it again")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-reading presence when a field lock went idle failed")]
    private static partial void LogIdleRefreshFailed(ILogger logger, Exception exception);

    /// <summary>What the last read showed, with my own touched fields applied.</summary>
    private sealed record Seen(IReadOnlyList<PresenceView> Entries, IReadOnlyList<string> Others, FieldPresence Fields)
    {
        public static Seen Nobody { get; } = new([], [], FieldPresence.None);

        public static Seen From(IReadOnlyList<PresenceView> entries, string myUserId, IReadOnlyCollection<string> touched, bool locks) =>
            new(entries,
                [.. entries.Select(e => e.UserId == myUserId ? FieldPresence.AnotherTabOfMine : e.DisplayName).Distinct(StringComparer.Ordinal)],
                Compute(entries, myUserId, touched, locks));

        public Seen WithTouched(IReadOnlyCollection<string> touched, string myUserId, bool locks) =>
            this with { Fields = Compute(Entries, myUserId, touched, locks) };

        private static FieldPresence Compute(IReadOnlyList<PresenceView> entries, string myUserId, IReadOnlyCollection<string> touched, bool locks) =>
            FieldPresence.From(entries.Select(e => new PresenceOther(e.UserId, e.DisplayName, e.Field, e.Changing, e.Idle)), myUserId, touched, locks);
    }
}

using System.Diagnostics;
using System.Security.Claims;
using System.Threading.Channels;
using CollabEditor.Core.Changes;
using CollabEditor.Data.Changes;
using CollabEditor.Data.Diagnostics;
using CollabEditor.Core.Users;
using CollabEditor.WebApp.Account;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace CollabEditor.WebApp.Changes;

/// <summary>
/// Forwards this instance's feed to the programs on <see cref="ChangesHub"/>: each connection has its
/// own queue and sender, so it gets every committed change of what it follows exactly once, in commit
/// order, one send at a time, and a slow client delays nobody else. A join with a position first
/// replays the missed changes from the <see cref="ChangeLog"/> (DESIGN.md "Live changes").
/// A live change is serialized once per protocol for all its followers (not once per connection), and
/// a sender that finds several changes queued writes them in one go (one WebSocket frame, in order):
/// with 1,000 followers the per-message work is what the tail latency is made of.
/// </summary>
public sealed partial class HubBroadcaster(
    ChangeFeed feed, ChangeListener listener, ChangeLog log, ChangesHubConnections connections, AccountCheck accounts, ILogger<HubBroadcaster> logger) : IHostedService
{
    /// <summary>A connection further behind than this is sent a resync instead of its backlog.</summary>
    public const int MaxBacklog = 20_000;

    /// <summary>Joins with a position whose replay has not run yet, per connection.</summary>
    public const int MaxPendingReplays = 8;

    /// <summary>At most this many queued changes go into one write.</summary>
    public const int MaxBatch = 64;

    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(30);
    private readonly ChangesHubConnections _connections = connections;
    private readonly ChangeLog _log = log;
    private readonly AccountCheck _accounts = accounts;
    private readonly ILogger<HubBroadcaster> _logger = logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Follower> _followers = [];
    private IDisposable? _subscription;

    // The position of the latest change handed to the followers (guarded by _gate): every change
    // after it reaches them through Dispatch, judged against the groups they follow by then.
    private long? _dispatched;

    /// <summary>Connections currently followed (diagnostics and tests).</summary>
    public int Connections
    {
        get
        {
            lock (_gate)
            {
                return _followers.Count;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // No coalescing: programs get every version.
        _subscription = feed.Subscribe(_ => true, Dispatch);
        _accounts.AccountChanged += OnAccountChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _accounts.AccountChanged -= OnAccountChanged;
        _subscription?.Dispose();
        lock (_gate)
        {
            foreach (var f in _followers.Values)
            {
                f.Complete();
            }

            _followers.Clear();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A connection arrived: it follows nothing yet and is told so first (<see cref="ChangeKind.Connected"/>).
    /// <paramref name="abort"/> closes it when its sender breaks, or when the account of
    /// <paramref name="user"/> is revoked or loses the role the hub needs.
    /// </summary>
    public async Task ConnectAsync(string connectionId, ClaimsPrincipal user, Action abort)
    {
        var start = await StartedAsync();
        var follower = new Follower(this, connectionId, user, abort);
        lock (_gate)
        {
            _followers[connectionId] = follower;
            follower.Enqueue(new Item(Message(new ChangeEvent(ChangeKind.Connected, string.Empty, 0, null, _dispatched ?? start)), Queued: Stopwatch.GetTimestamp()));
        }

        follower.Start();
    }

    public void Disconnect(string connectionId)
    {
        lock (_gate)
        {
            if (_followers.Remove(connectionId, out var follower))
            {
                follower.Complete();
            }
        }
    }

    /// <summary>
    /// Starts following <paramref name="group"/> (a resource key or a collection name). With
    /// <paramref name="after"/>, the changes after that position come first, then live ones. Returns
    /// the position the join stands at: the client has everything of the group up to it once the
    /// replay is through (a client that sees nothing afterwards resumes from it). Joining a group the
    /// connection already follows changes nothing.
    /// </summary>
    public async Task<long> JoinAsync(string connectionId, string group, bool collection, long? after)
    {
        var start = await StartedAsync();
        if (after is { } claimed && claimed > Math.Max(DispatchedPosition, start))
        {
            // Seen on an instance that is ahead of this one, or not a position at all.
            var head = await _log.HeadAsync();
            if (claimed > head)
            {
                throw new HubException($"position {claimed} is ahead of the latest committed change ({head}): pass the position of the last change you received.");
            }
        }

        lock (_gate)
        {
            if (!_followers.TryGetValue(connectionId, out var follower))
            {
                throw new HubException("This connection has closed.");
            }

            var at = _dispatched ?? start;
            if (follower.Groups.Exists(g => g.Name == group))
            {
                return at;
            }

            var earlier = follower.Groups.ToArray();
            if (after is { } from && from < at)
            {
                if (follower.PendingReplays >= MaxPendingReplays)
                {
                    throw new HubException($"At most {MaxPendingReplays} joins with a position may wait for their replay at once; wait for their changes first.");
                }

                follower.Enqueue(new Item(Replay: new Replay(group, collection, from, at, earlier)));
            }

            follower.Groups.Add(new Group(group, collection, at, after));
            return at;
        }
    }

    public void Leave(string connectionId, string group)
    {
        lock (_gate)
        {
            if (_followers.TryGetValue(connectionId, out var follower))
            {
                follower.Groups.RemoveAll(g => g.Name == group);
            }
        }
    }

    /// <summary>Re-checks the connections of a user whose account changed (every connection: null), closing those no longer allowed.</summary>
    private void OnAccountChanged(string? userId)
    {
        Follower[] affected;
        lock (_gate)
        {
            affected = [.. _followers.Values.Where(f => userId is null || f.UserId == userId)];
        }

        foreach (var follower in affected)
        {
            _ = RecheckAsync(follower);
        }
    }

    private async Task RecheckAsync(Follower follower)
    {
        try
        {
            // The hub's [Authorize(Roles = EditorOrAdmin)], asked again of the account as it is now.
            var state = await _accounts.CheckAsync(follower.User) == SessionVerdict.Revoked ? null : await _accounts.StateAsync(follower.UserId ?? string.Empty);
            if (state is null || !(state.Roles.Contains(Roles.Editor) || state.Roles.Contains(Roles.Admin)))
            {
                LogRevoked(_logger, follower.ConnectionId, follower.UserId);
                Disconnect(follower.ConnectionId);
                follower.Abort();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRecheckFailed(_logger, ex, follower.ConnectionId, ex.Message);
        }
    }

    private async Task<long> StartedAsync()
    {
        try
        {
            return await listener.StartPosition.WaitAsync(StartWait);
        }
        catch (TimeoutException)
        {
            throw new HubException("Live changes are not available yet (the database listener has not started): try again shortly.");
        }
    }

    private Task Dispatch(IReadOnlyList<ChangeEvent> batch)
    {
        var queued = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            foreach (var change in batch)
            {
                if (change.Position > 0)
                {
                    _dispatched = change.Position;
                }

                // One message for every follower: serialized on first use, once per protocol.
                SerializedHubMessage? message = null;
                foreach (var follower in _followers.Values)
                {
                    if (follower.WantsLive(change))
                    {
                        follower.Enqueue(new Item(message ??= Message(change), Queued: queued));
                    }
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// What a connection follows. <see cref="At"/> is the position when it joined: changes after it
    /// come through the feed. <see cref="After"/> is the position the client said it had seen.
    /// </summary>
    private sealed record Group(string Name, bool Collection, long At, long? After)
    {
        public bool Matches(ChangeEvent change) =>
            Collection ? change.Collection == Name : change.Key == Name;
    }

    private sealed record Replay(string Group, bool Collection, long After, long UpTo, Group[] Earlier);

    /// <param name="Queued">When the feed handed it over (<see cref="Stopwatch.GetTimestamp"/>), for the send-delay metric.</param>
    private readonly record struct Item(SerializedHubMessage? Message = null, Replay? Replay = null, long Queued = 0);

    /// <summary>What <c>Clients.Client(id).Changed(change)</c> sends, as a message that serializes once per protocol.</summary>
    private static SerializedHubMessage Message(ChangeEvent change) =>
        new(new InvocationMessage(nameof(IChangeClient.Changed), [change]));

    private sealed class Follower(HubBroadcaster owner, string connectionId, ClaimsPrincipal user, Action abort) : IDisposable
    {
        private readonly Channel<Item> _queue = Channel.CreateUnbounded<Item>(new() { SingleReader = true });
        private readonly CancellationTokenSource _closed = new();
        private int _backlog;
        private int _replays;
        private volatile bool _overflowed;

        /// <summary>Guarded by the owner's lock.</summary>
        public List<Group> Groups { get; } = [];

        public int PendingReplays => Volatile.Read(ref _replays);

        public string ConnectionId => connectionId;

        /// <summary>Who signed in on this connection (its account is re-checked when it changes).</summary>
        public ClaimsPrincipal User => user;

        public string? UserId { get; } = owner._accounts.UserIdOf(user);

        public void Abort() => abort();

        public bool WantsLive(ChangeEvent change)
        {
            switch (change.Kind)
            {
                case ChangeKind.Resync:
                    return true;
                case ChangeKind.AccountChanged:
                    // Whose account changed is nobody else's business.
                    return false;
                case ChangeKind.Presence when change.Key.Length == 0:
                    return Groups.Exists(g => !g.Collection);
                case ChangeKind.Presence:
                    return Groups.Exists(g => !g.Collection && g.Name == change.Key);
            }

            if (change.Position == 0)
            {
                return Groups.Exists(g => g.Matches(change));
            }

            // Once, whichever groups match: not when the client said it had it already, nor when it
            // predates every matching group's join (a replay brings those).
            var wanted = false;
            foreach (var g in Groups)
            {
                if (!g.Matches(change))
                {
                    continue;
                }

                if (g.After >= change.Position)
                {
                    return false;
                }

                wanted |= change.Position > g.At;
            }

            return wanted;
        }

        /// <summary>Called under the owner's lock. Past the backlog limit nothing more is queued: a resync stands for it.</summary>
        public void Enqueue(Item item)
        {
            if (Volatile.Read(ref _backlog) >= MaxBacklog)
            {
                _overflowed = true;
                return;
            }

            Interlocked.Increment(ref _backlog);
            if (item.Replay is not null)
            {
                Interlocked.Increment(ref _replays);
            }

            _queue.Writer.TryWrite(item);
        }

        public void Start() => _ = SendAllAsync();

        public void Complete()
        {
            _queue.Writer.TryComplete();
            try
            {
                _closed.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Its sender has ended already.
            }
        }

        public void Dispose() => _closed.Dispose();

        private async Task SendAllAsync()
        {
            var connection = owner._connections.Find(connectionId);
            var batch = new List<Item>(MaxBatch);
            try
            {
                if (connection is null)
                {
                    // Closed before its sender started: nobody to send to (as Clients.Client(id) would find).
                    return;
                }

                var reader = _queue.Reader;
                while (await reader.WaitToReadAsync())
                {
                    while (reader.TryRead(out var item))
                    {
                        Taken(item);
                        if (_overflowed)
                        {
                            // Too far behind: drop the backlog and have it re-read.
                            batch.Clear();
                            while (reader.TryRead(out var dropped))
                            {
                                Taken(dropped);
                            }

                            _overflowed = false;
                            LogOverflow(owner._logger, connectionId);
                            batch.Add(new(Message(ChangeEvent.Resync with { Position = owner.DispatchedPosition }), Queued: Stopwatch.GetTimestamp()));
                            continue;
                        }

                        if (item.Message is not null)
                        {
                            batch.Add(item);
                            if (batch.Count == MaxBatch)
                            {
                                await WriteAsync(connection, batch);
                            }
                        }
                        else if (item.Replay is { } replay)
                        {
                            // What was queued before the join comes first.
                            await WriteAsync(connection, batch);
                            await ReplayAsync(connection, replay);
                        }
                    }

                    await WriteAsync(connection, batch);
                }
            }
            catch (OperationCanceledException) when (_closed.IsCancellationRequested)
            {
                // Disconnected while replaying.
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A sender that cannot send leaves a client that hears nothing: close the connection,
                // so the client reconnects, is told to join again and resumes from its last position.
                LogSendFailed(owner._logger, ex, connectionId, ex.Message);
                owner.Disconnect(connectionId);
                abort();
            }
            finally
            {
                Dispose();
            }
        }

        private void Taken(Item item)
        {
            Interlocked.Decrement(ref _backlog);
            if (item.Replay is not null)
            {
                Interlocked.Decrement(ref _replays);
            }
        }

        /// <summary>
        /// One write (and one flush) for what is batched, in order. Several messages of a protocol
        /// concatenated are still that protocol (JSON records end with a separator, MessagePack ones
        /// are length-prefixed): the client reads them one by one from the frame.
        /// </summary>
        private static async Task WriteAsync(HubConnectionContext connection, List<Item> batch)
        {
            switch (batch.Count)
            {
                case 0:
                    return;
                case 1:
                    await connection.WriteAsync(batch[0].Message!);
                    break;
                default:
                    var protocol = connection.Protocol;
                    var parts = new ReadOnlyMemory<byte>[batch.Count];
                    var length = 0;
                    for (var i = 0; i < parts.Length; i++)
                    {
                        parts[i] = batch[i].Message!.GetSerializedMessage(protocol);
                        length += parts[i].Length;
                    }

                    var bytes = new byte[length];
                    var at = 0;
                    foreach (var part in parts)
                    {
                        part.Span.CopyTo(bytes.AsSpan(at));
                        at += part.Length;
                    }

                    await connection.WriteAsync(new SerializedHubMessage([new SerializedMessage(protocol.Name, bytes)]));
                    break;
            }

            if (CollabMetrics.HubSendDelay.Enabled)
            {
                var now = Stopwatch.GetTimestamp();
                foreach (var item in batch)
                {
                    CollabMetrics.HubSendDelay.Record(Stopwatch.GetElapsedTime(item.Queued, now).TotalMilliseconds);
                }
            }

            batch.Clear();
        }

        private async Task ReplayAsync(HubConnectionContext connection, Replay replay)
        {
            IReadOnlyList<ChangeEvent>? missed;
            try
            {
                missed = await owner._log.ReadAsync(
                    replay.After, replay.UpTo,
                    replay.Collection ? null : [replay.Group],
                    replay.Collection ? [replay.Group] : null,
                    _closed.Token);
            }
            catch (Npgsql.NpgsqlException ex)
            {
                LogReplayFailed(owner._logger, connectionId, ex.Message);
                missed = null;
            }

            if (missed is null)
            {
                await connection.WriteAsync(Message(ChangeEvent.Resync with { Position = replay.UpTo }));
                return;
            }

            var resync = false;
            foreach (var change in missed)
            {
                var earlier = Array.FindAll(replay.Earlier, g => g.Matches(change));
                if (earlier.Length == 0)
                {
                    await connection.WriteAsync(Message(change));
                }
                else if (!Array.Exists(earlier, g => g.After is not null || change.Position > g.At))
                {
                    // A group joined earlier from "now" has sent this resource's later changes
                    // already: this one would arrive out of order. Never out of order, never silent.
                    resync = true;
                }

                // Otherwise a group joined earlier has brought it (or the client had it): not twice.
            }

            if (resync)
            {
                await connection.WriteAsync(Message(ChangeEvent.Resync with { Position = replay.UpTo }));
            }
        }
    }

    private long DispatchedPosition
    {
        get
        {
            lock (_gate)
            {
                return _dispatched ?? 0;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub connection {ConnectionId} fell more than the backlog limit behind; sent a resync")]
    private static partial void LogOverflow(ILogger logger, string connectionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending to hub connection {ConnectionId} failed; closed it: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string connectionId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed hub connection {ConnectionId}: the sign-in of user {UserId} was revoked")]
    private static partial void LogRevoked(ILogger logger, string connectionId, string? userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-checking the account of hub connection {ConnectionId} failed: {Reason}")]
    private static partial void LogRecheckFailed(ILogger logger, Exception exception, string connectionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replaying the change log to hub connection {ConnectionId} failed; sent a resync: {Reason}")]
    private static partial void LogReplayFailed(ILogger logger, string connectionId, string reason);
}

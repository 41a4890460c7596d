using System.Threading.Channels;
using CollabEditor.Core.Changes;
using CollabEditor.Data.Changes;
using Microsoft.AspNetCore.SignalR;

namespace CollabEditor.WebApp.Changes;

/// <summary>
/// Forwards this instance's feed to the programs on <see cref="ChangesHub"/>: each connection has its
/// own queue and sender, so it gets every committed change of what it follows exactly once, in commit
/// order, one send at a time, and a slow client delays nobody else. A join with a position first
/// replays the missed changes from the <see cref="ChangeLog"/> (DESIGN.md "Live changes").
/// </summary>
public sealed partial class HubBroadcaster(ChangeFeed feed, ChangeListener listener, ChangeLog log, IHubContext<ChangesHub, IChangeClient> hub, ILogger<HubBroadcaster> logger) : IHostedService
{
    /// <summary>A connection further behind than this is sent a resync instead of its backlog.</summary>
    public const int MaxBacklog = 20_000;

    private readonly IHubContext<ChangesHub, IChangeClient> _hub = hub;
    private readonly ChangeLog _log = log;
    private readonly ILogger<HubBroadcaster> _logger = logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Follower> _followers = [];
    private IDisposable? _subscription;

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
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
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

    /// <summary>A connection arrived: it follows nothing yet and is told so first (<see cref="ChangeKind.Connected"/>).</summary>
    public void Connect(string connectionId)
    {
        var follower = new Follower(this, connectionId);
        lock (_gate)
        {
            _followers[connectionId] = follower;
            follower.Enqueue(new Item(new ChangeEvent(ChangeKind.Connected, string.Empty, 0, null, listener.Position)));
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
    /// replay is through (a client that sees nothing afterwards resumes from it).
    /// </summary>
    public long Join(string connectionId, string group, bool collection, long? after)
    {
        lock (_gate)
        {
            if (!_followers.TryGetValue(connectionId, out var follower))
            {
                throw new HubException("This connection has closed.");
            }

            var at = listener.Position;
            var earlier = follower.Groups.Where(g => g.Name != group).ToArray();
            follower.Groups.RemoveAll(g => g.Name == group);
            follower.Groups.Add(new Group(group, collection, at, after));
            if (after is { } from)
            {
                follower.Enqueue(new Item(Replay: new Replay(group, collection, from, at, earlier)));
            }

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

    private Task Dispatch(IReadOnlyList<ChangeEvent> batch)
    {
        lock (_gate)
        {
            foreach (var change in batch)
            {
                foreach (var follower in _followers.Values)
                {
                    if (follower.WantsLive(change))
                    {
                        follower.Enqueue(new Item(change));
                    }
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// What a connection follows. <see cref="At"/> is the position when it joined: live changes after
    /// it come through the feed. <see cref="After"/> is the position the client said it had seen.
    /// </summary>
    private sealed record Group(string Name, bool Collection, long At, long? After)
    {
        public bool Matches(ChangeEvent change) =>
            Collection ? change.Collection == Name : change.Key == Name;

        /// <summary>Whether this group has brought (or the client already had) <paramref name="change"/>.</summary>
        public bool Covers(ChangeEvent change) => After is not null || change.Position > At;
    }

    private sealed record Replay(string Group, bool Collection, long After, long UpTo, Group[] Earlier);

    private readonly record struct Item(ChangeEvent? Change = null, Replay? Replay = null);

    private sealed class Follower(HubBroadcaster owner, string connectionId)
    {
        private readonly Channel<Item> _queue = Channel.CreateUnbounded<Item>(new() { SingleReader = true });
        private int _backlog;
        private volatile bool _overflowed;

        /// <summary>Guarded by the owner's lock.</summary>
        public List<Group> Groups { get; } = [];

        public bool WantsLive(ChangeEvent change)
        {
            switch (change.Kind)
            {
                case ChangeKind.Resync:
                    return true;
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

        public void Enqueue(Item item)
        {
            if (Interlocked.Increment(ref _backlog) > MaxBacklog)
            {
                _overflowed = true;
            }

            _queue.Writer.TryWrite(item);
        }

        public void Start() => _ = SendAllAsync();

        public void Complete() => _queue.Writer.TryComplete();

        private async Task SendAllAsync()
        {
            var client = owner._hub.Clients.Client(connectionId);
            try
            {
                await foreach (var item in _queue.Reader.ReadAllAsync())
                {
                    Interlocked.Decrement(ref _backlog);
                    if (_overflowed)
                    {
                        // Too far behind: drop the backlog and have it re-read.
                        while (_queue.Reader.TryRead(out _))
                        {
                            Interlocked.Decrement(ref _backlog);
                        }

                        _overflowed = false;
                        LogOverflow(owner._logger, connectionId);
                        await client.Changed(ChangeEvent.Resync);
                        continue;
                    }

                    if (item.Change is { } change)
                    {
                        await client.Changed(change);
                    }
                    else if (item.Replay is { } replay)
                    {
                        await ReplayAsync(client, replay);
                    }
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The connection is gone or broken; SignalR closes it and OnDisconnected removes it.
                LogSendFailed(owner._logger, connectionId, ex.Message);
            }
        }

        private async Task ReplayAsync(IChangeClient client, Replay replay)
        {
            IReadOnlyList<ChangeEvent>? missed;
            try
            {
                missed = await owner._log.ReadAsync(
                    replay.After, replay.UpTo,
                    replay.Collection ? null : [replay.Group],
                    replay.Collection ? [replay.Group] : null);
            }
            catch (Npgsql.NpgsqlException ex)
            {
                LogReplayFailed(owner._logger, connectionId, ex.Message);
                missed = null;
            }

            if (missed is null)
            {
                await client.Changed(ChangeEvent.Resync with { Position = replay.UpTo });
                return;
            }

            foreach (var change in missed)
            {
                // What a group joined earlier brought (or the client had) is not sent twice.
                if (!Array.Exists(replay.Earlier, g => g.Matches(change) && g.Covers(change)))
                {
                    await client.Changed(change);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub connection {ConnectionId} fell more than the backlog limit behind; sent a resync")]
    private static partial void LogOverflow(ILogger logger, string connectionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sending to hub connection {ConnectionId} failed: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string connectionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replaying the change log to hub connection {ConnectionId} failed; sent a resync: {Reason}")]
    private static partial void LogReplayFailed(ILogger logger, string connectionId, string reason);
}

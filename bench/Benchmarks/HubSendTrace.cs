using System.Collections.Concurrent;
using System.Diagnostics;
using CollabEditor.Core.Changes;
using CollabEditor.WebApp.Changes;
using Microsoft.AspNetCore.SignalR;

namespace CollabEditor.Benchmarks;

/// <summary>
/// For live-latency's <c>trace</c> option: stands in for the hub context the broadcaster sends through and
/// notes, per saved version, when its sender started the send and when the send completed (on the
/// shared monotonic clock, from just before the save's UPDATE). Client receipt minus "completed" is the
/// socket plus the client process; "started" minus the feed is the per-connection queue.
/// </summary>
internal sealed class HubSendTrace(IHubContext<ChangesHub> inner) : IHubContext<ChangesHub, IChangeClient>
{
    private readonly IHubContext<ChangesHub> _inner = inner;
    private readonly ConcurrentDictionary<(string, long), long> _sentAt = new();
    private double[] _started = new double[1 << 21];
    private double[] _completed = new double[1 << 21];
    private int _count;

    public IHubClients<IChangeClient> Clients => new TracedClients(this);

    public IGroupManager Groups => _inner.Groups;

    /// <summary>Starts a new round: the saves' start times are noted from now on.</summary>
    public void Reset()
    {
        _sentAt.Clear();
        _started = new double[_started.Length];
        _completed = new double[_completed.Length];
        Volatile.Write(ref _count, 0);
    }

    public void Sent(string key, long version, long t0) => _sentAt[(key, version)] = t0;

    /// <summary>p50/p99 of send started and send completed, ms after just-before-the-UPDATE.</summary>
    public string Summary()
    {
        var n = Math.Min(Volatile.Read(ref _count), _started.Length);
        var started = _started[..n].Order().ToArray();
        var completed = _completed[..n].Order().ToArray();
        return $"hub send started ms p50 {LiveLatencyClients.Percentile(started, 0.5):F1} p99 {LiveLatencyClients.Percentile(started, 0.99):F1}; send completed p50 {LiveLatencyClients.Percentile(completed, 0.5):F1} p99 {LiveLatencyClients.Percentile(completed, 0.99):F1} ({n} sends)";
    }

    /// <summary>Only what the broadcaster uses: one connection at a time.</summary>
    private sealed class TracedClients(HubSendTrace trace) : IHubClients<IChangeClient>
    {
        public IChangeClient All => throw new NotSupportedException();

        public IChangeClient Client(string connectionId) => new Traced(trace, trace._inner.Clients.Client(connectionId));

        public IChangeClient AllExcept(IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();

        public IChangeClient Clients(IReadOnlyList<string> connectionIds) => throw new NotSupportedException();

        public IChangeClient Group(string groupName) => throw new NotSupportedException();

        public IChangeClient GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();

        public IChangeClient Groups(IReadOnlyList<string> groupNames) => throw new NotSupportedException();

        public IChangeClient User(string userId) => throw new NotSupportedException();

        public IChangeClient Users(IReadOnlyList<string> userIds) => throw new NotSupportedException();
    }

    private sealed class Traced(HubSendTrace trace, IClientProxy proxy) : IChangeClient
    {
        public async Task Changed(ChangeEvent change)
        {
            var start = Stopwatch.GetTimestamp();
            await proxy.SendAsync(nameof(IChangeClient.Changed), change);
            if (change.Kind == ChangeKind.Saved && trace._sentAt.TryGetValue((change.Key, change.Version), out var t0))
            {
                var i = Interlocked.Increment(ref trace._count) - 1;
                if (i < trace._started.Length)
                {
                    trace._started[i] = Stopwatch.GetElapsedTime(t0, start).TotalMilliseconds;
                    trace._completed[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                }
            }
        }
    }
}

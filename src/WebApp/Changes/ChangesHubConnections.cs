using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace CollabEditor.WebApp.Changes;

/// <summary>
/// SignalR's own in-memory lifetime manager for <see cref="ChangesHub"/>, which also hands the
/// <see cref="HubBroadcaster"/> each open connection itself: the broadcaster writes an event serialized
/// once per protocol to every follower (and several queued events in one write), where
/// <c>Clients.Client(id)</c> would look the connection up and serialize the event again for each one.
/// </summary>
public sealed class ChangesHubConnections(ILogger<DefaultHubLifetimeManager<ChangesHub>> logger) : DefaultHubLifetimeManager<ChangesHub>(logger)
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _open = new(StringComparer.Ordinal);

    /// <summary>The open connection with this id, or null once it has closed.</summary>
    public HubConnectionContext? Find(string connectionId) => _open.GetValueOrDefault(connectionId);

    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        // Before the hub's OnConnectedAsync runs (SignalR calls the lifetime manager first).
        _open[connection.ConnectionId] = connection;
        return base.OnConnectedAsync(connection);
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        _open.TryRemove(connection.ConnectionId, out _);
        return base.OnDisconnectedAsync(connection);
    }
}

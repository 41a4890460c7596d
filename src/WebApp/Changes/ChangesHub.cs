using CollabEditor.Core.Changes;
using CollabEditor.Core.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace CollabEditor.WebApp.Changes;

/// <summary>What a SignalR client of <see cref="ChangesHub"/> receives.</summary>
public interface IChangeClient
{
    /// <summary>
    /// A committed change to a resource in a group the client follows, in commit order per resource,
    /// each once; or <see cref="ChangeKind.Connected"/> (first on every connection) or a resync.
    /// </summary>
    Task Changed(ChangeEvent change);
}

/// <summary>
/// Live changes for programs other than the Blazor pages, at <c>/hubs/changes</c>. Clients follow a
/// resource (<c>product/12</c>) or a collection (<c>products</c>) and get every committed version and
/// lease change of it, each once, in commit order; a join with the last position seen first replays
/// what was missed. Every connection starts with a <see cref="ChangeKind.Connected"/> event: after an
/// automatic reconnect the client follows nothing until it joins again.
/// </summary>
[Authorize(Roles = Roles.EditorOrAdmin)]
public sealed class ChangesHub(HubBroadcaster broadcaster) : Hub<IChangeClient>
{
    public const string Path = "/hubs/changes";

    public override Task OnConnectedAsync() => broadcaster.ConnectAsync(Context.ConnectionId, Context.User ?? new(), Context.Abort);

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        broadcaster.Disconnect(Context.ConnectionId);
        return Task.CompletedTask;
    }

    /// <summary>Follows one resource from now on; returns the position the join stands at.</summary>
    public Task<long> JoinResource(string key) =>
        broadcaster.JoinAsync(Context.ConnectionId, CheckResource(key), collection: false, after: null);

    /// <summary>Follows one resource, first replaying its changes after <paramref name="position"/> (or a resync when they are no longer kept).</summary>
    public Task<long> JoinResourceAfter(string key, long position) =>
        broadcaster.JoinAsync(Context.ConnectionId, CheckResource(key), collection: false, after: CheckPosition(position));

    public void LeaveResource(string key) =>
        broadcaster.Leave(Context.ConnectionId, CheckResource(key));

    /// <summary>Follows every resource of a collection from now on; returns the position the join stands at.</summary>
    public Task<long> JoinCollection(string name) =>
        broadcaster.JoinAsync(Context.ConnectionId, CheckCollection(name), collection: true, after: null);

    /// <summary>Follows a collection, first replaying its changes after <paramref name="position"/> (or a resync when they are no longer kept).</summary>
    public Task<long> JoinCollectionAfter(string name, long position) =>
        broadcaster.JoinAsync(Context.ConnectionId, CheckCollection(name), collection: true, after: CheckPosition(position));

    public void LeaveCollection(string name) =>
        broadcaster.Leave(Context.ConnectionId, CheckCollection(name));

    // Group names are checked here, on the server: a client cannot listen to anything it could not read.
    private static string CheckResource(string key) =>
        ResourceKey.TryParse(key, out _, out _)
            ? key
            : throw new HubException($"'{key}' is not a resource you can follow: use kind/id with kind one of {string.Join(", ", ResourceKey.Collections.Keys)}.");

    private static string CheckCollection(string name) =>
        ResourceKey.IsCollection(name)
            ? name
            : throw new HubException($"'{name}' is not a collection you can follow: use one of {string.Join(", ", ResourceKey.Collections.Values)}.");

    private static long CheckPosition(long position) =>
        position >= 0
            ? position
            : throw new HubException($"position must be 0 or more (the position of the last change you received), not {position}.");
}

using CollabEditor.Core.Changes;
using CollabEditor.Core.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace CollabEditor.WebApp.Changes;

/// <summary>What a SignalR client of <see cref="ChangesHub"/> receives.</summary>
public interface IChangeClient
{
    /// <summary>A committed change to a resource in a group the client joined, or a resync.</summary>
    Task Changed(ChangeEvent change);
}

/// <summary>
/// Live changes for programs other than the Blazor pages, at <c>/hubs/changes</c>. Clients join a
/// resource (<c>product/12</c>) or a collection (<c>products</c>) and get the same events the pages get.
/// </summary>
[Authorize(Roles = Roles.EditorOrAdmin)]
public sealed class ChangesHub : Hub<IChangeClient>
{
    public const string Path = "/hubs/changes";

    /// <summary>Receive events for one resource.</summary>
    public Task JoinResource(string key) =>
        Groups.AddToGroupAsync(Context.ConnectionId, CheckResource(key));

    public Task LeaveResource(string key) =>
        Groups.RemoveFromGroupAsync(Context.ConnectionId, CheckResource(key));

    /// <summary>Receive events for every resource of a collection.</summary>
    public Task JoinCollection(string name) =>
        Groups.AddToGroupAsync(Context.ConnectionId, CheckCollection(name));

    public Task LeaveCollection(string name) =>
        Groups.RemoveFromGroupAsync(Context.ConnectionId, CheckCollection(name));

    // Group names are checked here, on the server: a client cannot listen to anything it could not read.
    private static string CheckResource(string key) =>
        ResourceKey.TryParse(key, out _, out _)
            ? key
            : throw new HubException($"'{key}' is not a resource you can follow: use kind/id with kind one of {string.Join(", ", ResourceKey.Collections.Keys)}.");

    private static string CheckCollection(string name) =>
        ResourceKey.IsCollection(name)
            ? name
            : throw new HubException($"'{name}' is not a collection you can follow: use one of {string.Join(", ", ResourceKey.Collections.Values)}.");
}

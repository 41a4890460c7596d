using CollabEditor.Core.Changes;
using Microsoft.AspNetCore.SignalR;

namespace CollabEditor.WebApp.Changes;

/// <summary>Forwards every change from this instance's feed to the hub groups that follow it.</summary>
public sealed class HubBroadcaster(ChangeFeed feed, IHubContext<ChangesHub, IChangeClient> hub) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = feed.Subscribe(_ => true, SendAsync);
        return Task.CompletedTask;
    }

    private async Task SendAsync(IReadOnlyList<ChangeEvent> changes)
    {
        foreach (var change in changes)
        {
            if (change.Kind == ChangeKind.Resync)
            {
                await hub.Clients.All.Changed(change);
            }
            else if (change.Kind == ChangeKind.Presence)
            {
                await hub.Clients.Group(change.Key).Changed(change);
            }
            else
            {
                await hub.Clients.Groups(change.Key, change.Collection).Changed(change);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}

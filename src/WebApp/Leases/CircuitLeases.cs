using System.Collections.Concurrent;
using CollabEditor.Core.Users;
using CollabEditor.Data.Leases;
using CollabEditor.WebApp.Startup;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace CollabEditor.WebApp.Leases;

/// <summary>
/// The leases held by the pages of one circuit (one browser tab). Renewals pause while the tab's
/// connection is down, so a browser that vanishes lets its lease expire on its own (DESIGN.md
/// "Leases"); a tab that comes back within the TTL keeps it. When the circuit ends, every lease it
/// still holds is released.
/// </summary>
public sealed class CircuitLeases(LeaseStore leases, OpenCircuits circuits) : CircuitHandler
{
    private readonly ConcurrentDictionary<string, (Guid Token, Actor Holder)> _held = new();

    /// <summary>False while the browser is disconnected: do not renew.</summary>
    public bool IsConnected { get; private set; } = true;

    /// <summary>Raised when the connection comes back, so pages renew at once.</summary>
    public event Func<Task>? Reconnected;

    public void Track(string key, Guid token, Actor holder) => _held[key] = (token, holder);

    public void Forget(string key) => _held.TryRemove(key, out _);

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        IsConnected = false;
        return Task.CompletedTask;
    }

    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        IsConnected = true;
        if (Reconnected is { } handlers)
        {
            foreach (var handler in handlers.GetInvocationList().Cast<Func<Task>>())
            {
                await handler();
            }
        }
    }

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        circuits.Add(this, ReleaseAllAsync);
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        circuits.Remove(this);
        return ReleaseAllAsync(cancellationToken);
    }

    private async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        foreach (var (key, (token, holder)) in _held)
        {
            await leases.ReleaseAsync(key, token, holder, cancellationToken);
            _held.TryRemove(key, out _);
        }
    }
}

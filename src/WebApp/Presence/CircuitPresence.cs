using System.Collections.Concurrent;
using CollabEditor.Core.Users;
using CollabEditor.Data.Presence;
using CollabEditor.WebApp.Startup;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Npgsql;

namespace CollabEditor.WebApp.Presence;

/// <summary>
/// The presence of the pages open in one circuit (one browser tab). While the tab's connection is
/// down — closed tab, lost network — its pages are removed at once instead of lingering for the
/// circuit's retention period; they come back when it reconnects.
/// </summary>
public sealed class CircuitPresence(PresenceStore store, OpenCircuits circuits) : CircuitHandler
{
    private readonly ConcurrentDictionary<Guid, Page> _pages = new();

    /// <summary>False while the browser is disconnected.</summary>
    public bool IsConnected { get; private set; } = true;

    /// <summary>Says the page <paramref name="id"/> is (still) open on <paramref name="key"/>.</summary>
    public async Task HeartbeatAsync(Guid id, string key, Actor actor, CancellationToken ct = default)
    {
        var page = _pages.AddOrUpdate(id, _ => new(key, actor, PresenceFields.None), (_, p) => p with { Key = key, Actor = actor });
        // Once the instance is stopping its rows have been released: a late heartbeat must not bring one back.
        if (IsConnected && !circuits.Stopping)
        {
            // A row swept meanwhile comes back with the page's fields.
            await store.HeartbeatAsync(id, key, actor, page.Fields, ct);
        }
    }

    /// <summary>Says where in <paramref name="key"/> the page <paramref name="id"/> is (see <see cref="PresenceStore.SetFieldsAsync"/>).</summary>
    public async Task SetFieldsAsync(Guid id, string key, Actor actor, PresenceFields fields, bool edited, CancellationToken ct = default)
    {
        _pages[id] = new(key, actor, fields);
        if (IsConnected && !circuits.Stopping)
        {
            await store.SetFieldsAsync(id, key, actor, fields, edited, ct);
        }
    }

    /// <summary>The page closed.</summary>
    public Task LeaveAsync(Guid id)
    {
        _pages.TryRemove(id, out _);
        return store.LeaveAsync([id]);
    }

    public override async Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        IsConnected = false;
        try
        {
            await store.LeaveAsync(_pages.Keys, cancellationToken);
        }
        catch (NpgsqlException)
        {
            // The database is away too: the rows expire on their own after the presence TTL.
        }
    }

    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        IsConnected = true;
        foreach (var (id, page) in _pages)
        {
            await store.HeartbeatAsync(id, page.Key, page.Actor, page.Fields, cancellationToken);
        }
    }

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        circuits.Add(this, ct => store.LeaveAsync(_pages.Keys, ct));
        return Task.CompletedTask;
    }

    public override async Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        circuits.Remove(this);
        try
        {
            await store.LeaveAsync(_pages.Keys, cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            // A circuit closed by the app stopping, after its services went: its rows were released when it began to stop.
        }
    }

    private sealed record Page(string Key, Actor Actor, PresenceFields Fields);
}

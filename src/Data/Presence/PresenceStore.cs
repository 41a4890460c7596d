using CollabEditor.Core.Users;
using CollabEditor.Data.Resilience;
using Microsoft.EntityFrameworkCore;

namespace CollabEditor.Data.Presence;

/// <summary>
/// Who has which resource open, shared by every instance through the database. Rows are kept
/// alive by heartbeats and count as gone after <see cref="PresenceOptions.Ttl"/> (database clock);
/// inserts and deletes announce themselves through the change feed.
/// </summary>
public sealed class PresenceStore(IDbContextFactory<CollabDbContext> dbFactory, Microsoft.Extensions.Options.IOptions<PresenceOptions> options)
{
    private double TtlSeconds => options.Value.Ttl.TotalSeconds;

    /// <summary>Marks <paramref name="id"/> (one open page) as viewing <paramref name="key"/> now.</summary>
    public Task HeartbeatAsync(Guid id, string key, Actor actor, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await HeartbeatOnceAsync(id, key, actor, token), ct).AsTask();

    private async Task HeartbeatOnceAsync(Guid id, string key, Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO presence (id, resource_key, user_id, display_name, seen_at)
            VALUES ({id}, {key}, {actor.UserId}, {actor.DisplayName}, now())
            ON CONFLICT (id) DO UPDATE SET seen_at = now()
            """, ct);
    }

    /// <summary>The page closed: forget it at once.</summary>
    public Task LeaveAsync(IEnumerable<Guid> ids, CancellationToken ct = default)
    {
        var list = ids.ToArray();
        return TransientRetry.Pipeline.ExecuteAsync(async token => await LeaveOnceAsync(list, token), ct).AsTask();
    }

    private async Task LeaveOnceAsync(Guid[] list, CancellationToken ct)
    {
        if (list.Length == 0)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync($"DELETE FROM presence WHERE id = ANY({list})", ct);
    }

    /// <summary>Who has <paramref name="key"/> open now, except <paramref name="exceptId"/>: one entry per open page.</summary>
    public Task<IReadOnlyList<PresenceEntry>> ListAsync(string key, Guid? exceptId = null, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await ListOnceAsync(key, exceptId, token), ct).AsTask();

    private async Task<IReadOnlyList<PresenceEntry>> ListOnceAsync(string key, Guid? exceptId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var except = exceptId ?? Guid.Empty;
        return await db.Presence.FromSql($"""
            SELECT id, resource_key, user_id, display_name, seen_at FROM presence
             WHERE resource_key = {key} AND id <> {except}
               AND seen_at > now() - make_interval(secs => {TtlSeconds})
             ORDER BY display_name, seen_at
            """).AsNoTracking().ToListAsync(ct);
    }

    /// <summary>Deletes rows whose heartbeats stopped (a crashed instance); the trigger announces each.</summary>
    public async Task<int> SweepAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Database.ExecuteSqlAsync($"DELETE FROM presence WHERE seen_at <= now() - make_interval(secs => {TtlSeconds})", ct);
    }
}

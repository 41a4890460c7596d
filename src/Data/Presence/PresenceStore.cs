using CollabEditor.Core.Editing;
using CollabEditor.Core.Users;
using CollabEditor.Data.Resilience;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CollabEditor.Data.Presence;

/// <summary>
/// Who has which resource open, and where in it, shared by every instance through the database. Rows
/// are kept alive by heartbeats and count as gone after <see cref="PresenceOptions.Ttl"/> (database
/// clock); inserts, deletes and changes of field or changed fields announce themselves through the
/// change feed (heartbeats do not).
/// </summary>
public sealed class PresenceStore(IDbContextFactory<CollabDbContext> dbFactory, IOptions<PresenceOptions> options, IOptions<EditingOptions> editing)
{
    private double TtlSeconds => options.Value.Ttl.TotalSeconds;

    private double IdleSeconds => editing.Value.FieldLockIdle.TotalSeconds;

    /// <summary>Marks <paramref name="id"/> (one open page) as viewing <paramref name="key"/> now.</summary>
    public Task HeartbeatAsync(Guid id, string key, Actor actor, CancellationToken ct = default) =>
        HeartbeatAsync(id, key, actor, PresenceFields.None, ct);

    /// <summary>
    /// Marks <paramref name="id"/> as viewing <paramref name="key"/> now. Only a row that is not there
    /// (first beat, or swept while the database was away) takes <paramref name="fields"/>; an existing
    /// row keeps its own, so a beat stays a one-column update that announces nothing. A row brought back
    /// has no last edit: its changes lock nothing until the page's next edit (a network blip does not
    /// revive a lock that had gone idle).
    /// </summary>
    public Task HeartbeatAsync(Guid id, string key, Actor actor, PresenceFields fields, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await HeartbeatOnceAsync(id, key, actor, fields, token), ct).AsTask();

    private async Task HeartbeatOnceAsync(Guid id, string key, Actor actor, PresenceFields fields, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(fields);
        var changing = fields.Changing.ToArray();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO presence (id, resource_key, user_id, display_name, seen_at, field, changing, changed_at)
            VALUES ({id}, {key}, {actor.UserId}, {actor.DisplayName}, now(), {fields.Field}, {changing}, NULL)
            ON CONFLICT (id) DO UPDATE SET seen_at = now()
            """, ct);
    }

    /// <summary>
    /// Sets where page <paramref name="id"/> is: its field and the fields it has unsaved changes in, in
    /// one upsert (the row is created when missing, like a heartbeat). <paramref name="edited"/> stamps
    /// its last edit with the database clock (field locks lapse that long after it).
    /// </summary>
    public Task SetFieldsAsync(Guid id, string key, Actor actor, PresenceFields fields, bool edited, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await SetFieldsOnceAsync(id, key, actor, fields, edited, token), ct).AsTask();

    private async Task SetFieldsOnceAsync(Guid id, string key, Actor actor, PresenceFields fields, bool edited, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(fields);
        var changing = fields.Changing.ToArray();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO presence (id, resource_key, user_id, display_name, seen_at, field, changing, changed_at)
            VALUES ({id}, {key}, {actor.UserId}, {actor.DisplayName}, now(), {fields.Field}, {changing},
                    CASE WHEN {edited} THEN now() END)
            ON CONFLICT (id) DO UPDATE SET seen_at = now(), field = EXCLUDED.field, changing = EXCLUDED.changing,
                changed_at = CASE WHEN {edited} THEN now() ELSE presence.changed_at END
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

    /// <summary>
    /// Who has <paramref name="key"/> open now, except <paramref name="exceptId"/>: one entry per open
    /// page, with where it is and whether its changes are idle (<see cref="EditingOptions.FieldLockIdle"/>,
    /// database clock).
    /// </summary>
    public Task<IReadOnlyList<PresenceView>> ListAsync(string key, Guid? exceptId = null, CancellationToken ct = default) =>
        TransientRetry.Pipeline.ExecuteAsync(async token => await ListOnceAsync(key, exceptId, token), ct).AsTask();

    private async Task<IReadOnlyList<PresenceView>> ListOnceAsync(string key, Guid? exceptId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var except = exceptId ?? Guid.Empty;
        return await db.Database.SqlQuery<PresenceView>($"""
            SELECT id AS "Id", resource_key AS "ResourceKey", user_id AS "UserId", display_name AS "DisplayName",
                   seen_at AS "SeenAt", field AS "Field", changing AS "Changing", changed_at AS "ChangedAt",
                   COALESCE(changed_at <= now() - make_interval(secs => {IdleSeconds}), true) AS "Idle",
                   CASE WHEN cardinality(changing) > 0 AND changed_at > now() - make_interval(secs => {IdleSeconds})
                        THEN changed_at + make_interval(secs => {IdleSeconds}) - now() END AS "IdleIn"
              FROM presence
             WHERE resource_key = {key} AND id <> {except}
               AND seen_at > now() - make_interval(secs => {TtlSeconds})
             ORDER BY display_name, seen_at
            """).ToListAsync(ct);
    }

    /// <summary>Deletes rows whose heartbeats stopped (a crashed instance); the trigger announces each.</summary>
    public async Task<int> SweepAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Database.ExecuteSqlAsync($"DELETE FROM presence WHERE seen_at <= now() - make_interval(secs => {TtlSeconds})", ct);
    }
}

using System.Text.Json;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Users;
using CollabEditor.Data.Diagnostics;
using CollabEditor.Data.Resilience;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CollabEditor.Data.Leases;

/// <summary>
/// The lease engine (DESIGN.md "Leases"). Every decision is one SQL statement that compares
/// expiry with the database clock; the app's clock never enters it. Each change writes its audit
/// row in the same statement, and the leases trigger announces it on commit.
/// </summary>
public sealed class LeaseStore(NpgsqlDataSource db, IOptions<LeaseOptions> options, TimeProvider time)
{
    /// <summary>The columns <see cref="Read"/> maps, in its order (the last is the remaining time by the database clock).</summary>
    internal const string Columns = "resource_key, holder_user_id, holder_name, holder_session, token, fencing, acquired_at, renewed_at, expires_at, expires_at - now()";

    /// <summary>
    /// The acquire statement: insert, or take over a row that expired or (when $6) that this holder
    /// (user and session) already has.
    /// </summary>
    /// <remarks>
    /// Acquires of one key are serialized by a transaction-scoped advisory lock taken before the
    /// fencing number is drawn, so numbers are granted in increasing order: without it a statement
    /// that drew its number early could still win the row after a later number had been granted.
    /// </remarks>
    public const string AcquireSql = $"""
        WITH serialized AS MATERIALIZED (
            SELECT pg_advisory_xact_lock(hashtext($1)) AS locked
        ), prev AS (
            SELECT holder_user_id, holder_name, fencing FROM leases, serialized WHERE resource_key = $1 AND expires_at <= now()
        ), granted AS (
            INSERT INTO leases AS l (resource_key, holder_user_id, holder_name, holder_session, token, fencing, acquired_at, renewed_at, expires_at)
            VALUES ($1, $2, $3, $4, gen_random_uuid(), (SELECT nextval('lease_fencing') FROM serialized), now(), now(), now() + $5)
            ON CONFLICT (resource_key) DO UPDATE SET
                holder_user_id = excluded.holder_user_id, holder_name = excluded.holder_name,
                holder_session = excluded.holder_session, token = excluded.token, fencing = excluded.fencing,
                acquired_at = excluded.acquired_at, renewed_at = excluded.renewed_at, expires_at = excluded.expires_at
            WHERE l.expires_at <= now() OR ($6 AND l.holder_user_id = excluded.holder_user_id AND l.holder_session = excluded.holder_session)
            RETURNING l.*
        ), audit AS (
            INSERT INTO lease_audit (resource_key, action, user_id, user_name, holder_name, fencing, reason)
            SELECT resource_key, 'granted', holder_user_id, holder_name, holder_name, fencing, NULL FROM granted
            UNION ALL
            SELECT $1, 'expired', p.holder_user_id, p.holder_name, p.holder_name, p.fencing, 'taken over after expiry'
              FROM prev p WHERE EXISTS (SELECT 1 FROM granted)
        )
        SELECT {Columns} FROM granted
        """;

    /// <summary>The release statement: only with the token, only by its holder, only while live.</summary>
    public const string ReleaseSql = $"""
        WITH released AS (
            DELETE FROM leases WHERE resource_key = $1 AND token = $2 AND holder_user_id = $3 AND expires_at > now() RETURNING *
        ), audit AS (
            INSERT INTO lease_audit (resource_key, action, user_id, user_name, holder_name, fencing)
            SELECT resource_key, 'released', holder_user_id, holder_name, holder_name, fencing FROM released
        )
        SELECT {Columns} FROM released
        """;

    private const string RenewSql = $"""
        WITH renewed AS (
            UPDATE leases SET renewed_at = now(), expires_at = now() + $3
             WHERE resource_key = $1 AND token = $2 AND holder_user_id = $4 AND expires_at > now()
            RETURNING *
        ), audit AS (
            INSERT INTO lease_audit (resource_key, action, user_id, user_name, holder_name, fencing, reason)
            SELECT $1, 'renewal-failed', $4, $5, $5, 0, 'no live lease with this token'
             WHERE NOT EXISTS (SELECT 1 FROM renewed)
        )
        SELECT {Columns} FROM renewed
        """;

    private const string ForceReleaseSql = $"""
        WITH released AS (
            DELETE FROM leases WHERE resource_key = $1 AND expires_at > now() RETURNING *
        ), audit AS (
            INSERT INTO lease_audit (resource_key, action, user_id, user_name, holder_name, fencing, reason)
            SELECT resource_key, 'force-released', $2, $3, holder_name, fencing, $4 FROM released
        )
        SELECT {Columns} FROM released
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private TimeSpan Ttl => options.Value.Ttl;

    /// <summary>
    /// One try, for a page: granted, or denied with who holds it and until when. The same session
    /// acquiring again takes a fresh lease (new token, higher fencing number).
    /// </summary>
    public Task<AcquireResult> AcquireAsync(string key, Actor actor, string session, CancellationToken ct = default) =>
        AcquireAsync(key, actor, session, retakeOwn: true, ct);

    /// <summary>
    /// One try, for a program: like <see cref="AcquireAsync(string, Actor, string, CancellationToken)"/>,
    /// but a live lease this holder (user and session) already has comes back unchanged as
    /// <see cref="AcquireResult.AlreadyHeld"/>: a retried acquire never replaces a token it may already have been given.
    /// </summary>
    public Task<AcquireResult> AcquireOrReturnAsync(string key, Actor actor, string session, CancellationToken ct = default) =>
        AcquireAsync(key, actor, session, retakeOwn: false, ct);

    private async Task<AcquireResult> AcquireAsync(string key, Actor actor, string session, bool retakeOwn, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        CheckKey(key);
        // Between a refused insert and reading the holder, the holder may release: then try again.
        for (var attempt = 0; ; attempt++)
        {
            await using var cmd = db.CreateCommand(AcquireSql);
            cmd.Parameters.Add(new() { Value = key });
            cmd.Parameters.Add(new() { Value = actor.UserId });
            cmd.Parameters.Add(new() { Value = actor.DisplayName });
            cmd.Parameters.Add(new() { Value = session });
            cmd.Parameters.Add(new() { Value = Ttl, NpgsqlDbType = NpgsqlDbType.Interval });
            cmd.Parameters.Add(new() { Value = retakeOwn });
            // A retried acquire whose first attempt committed takes over its own lease (retakeOwn), or finds it below.
            var granted = await ReadLeaseAsync(cmd, ct);
            if (granted is not null)
            {
                CollabMetrics.LeaseGrants.Add(1);
                return new AcquireResult.Granted(granted);
            }

            var live = await GetLiveAsync(key, ct);
            if (live is not null && live.HolderUserId == actor.UserId && live.HolderSession == session)
            {
                return new AcquireResult.AlreadyHeld(live);
            }

            if (live is not null || attempt == 3)
            {
                CollabMetrics.LeaseDenials.Add(1);
                return new AcquireResult.Denied(live is null ? new LeaseHolder(key, string.Empty, "someone", string.Empty, 0, default, default, default, TimeSpan.Zero) : LeaseHolder.From(live));
            }
        }
    }

    /// <summary>
    /// "Check out and wait up to N seconds", for programs (<see cref="AcquireOrReturnAsync"/>): retries a
    /// denied acquire with exponential backoff and jitter (capped), and gives up with the holder's
    /// name. Only denials are retried here.
    /// </summary>
    public async Task<AcquireResult> AcquireWaitingAsync(string key, Actor actor, string session, TimeSpan maxWait, CancellationToken ct = default)
    {
        AcquireResult last = await AcquireOrReturnAsync(key, actor, session, ct);
        if (last is not AcquireResult.Denied || maxWait <= TimeSpan.Zero)
        {
            return last;
        }

        var pipeline = new ResiliencePipelineBuilder<AcquireResult> { TimeProvider = time }
            .AddTimeout(maxWait)
            .AddRetry(new RetryStrategyOptions<AcquireResult>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is AcquireResult.Denied),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(2),
                MaxRetryAttempts = int.MaxValue,
            })
            .Build();
        try
        {
            return await pipeline.ExecuteAsync(async token => last = await AcquireOrReturnAsync(key, actor, session, token), ct);
        }
        catch (TimeoutRejectedException)
        {
            return last;
        }
    }

    /// <summary>Extends a live lease; only with its token, only by its holder. A failure is audited.</summary>
    public async Task<LeaseChange> RenewAsync(string key, Guid token, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var cmd = db.CreateCommand(RenewSql);
        cmd.Parameters.Add(new() { Value = key });
        cmd.Parameters.Add(new() { Value = token });
        cmd.Parameters.Add(new() { Value = Ttl, NpgsqlDbType = NpgsqlDbType.Interval });
        cmd.Parameters.Add(new() { Value = actor.UserId });
        cmd.Parameters.Add(new() { Value = actor.DisplayName });
        return await DoneOrWhyNotAsync(await ReadLeaseAsync(cmd, ct), key, token, actor, ct);
    }

    /// <summary>Checks the resource in; only with the lease's token, only by its holder.</summary>
    public async Task<LeaseChange> ReleaseAsync(string key, Guid token, Actor actor, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var cmd = db.CreateCommand(ReleaseSql);
        cmd.Parameters.Add(new() { Value = key });
        cmd.Parameters.Add(new() { Value = token });
        cmd.Parameters.Add(new() { Value = actor.UserId });
        return await DoneOrWhyNotAsync(await ReadLeaseAsync(cmd, ct), key, token, actor, ct);
    }

    /// <summary>
    /// Done, or why not: the statement (which checked token and holder itself) changed nothing; a
    /// token that names another user's live lease is told so, anything else was not held.
    /// </summary>
    private async Task<LeaseChange> DoneOrWhyNotAsync(Lease? changed, string key, Guid token, Actor actor, CancellationToken ct)
    {
        if (changed is not null)
        {
            return new LeaseChange.Done(changed);
        }

        var live = await GetLiveAsync(key, ct);
        return LeaseFence.IsSomeoneElses(live, token, actor.UserId) ? new LeaseChange.NotHolder(LeaseHolder.From(live!)) : new LeaseChange.NotHeld();
    }

    /// <summary>An administrator takes the lease away, with a reason; the holder is told at once.</summary>
    public async Task<LeaseChange> ForceReleaseAsync(string key, Actor admin, string? reason, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(admin);
        if (!admin.IsAdmin)
        {
            return new LeaseChange.Forbidden("Only an administrator can force-release a check-out.");
        }

        if (LeaseOptions.CheckReason(reason) is { } problem)
        {
            return new LeaseChange.Invalid("Reason", problem);
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var set = new NpgsqlCommand("SELECT set_config('collab.lease_reason', 'force-released', true), set_config('collab.actor', $1, true)", connection, tx))
        {
            set.Parameters.Add(new() { Value = admin.DisplayName });
            await set.ExecuteNonQueryAsync(ct);
        }

        await using var cmd = new NpgsqlCommand(ForceReleaseSql, connection, tx);
        cmd.Parameters.Add(new() { Value = key });
        cmd.Parameters.Add(new() { Value = admin.UserId });
        cmd.Parameters.Add(new() { Value = admin.DisplayName });
        cmd.Parameters.Add(new() { Value = reason!.Trim() });
        // Inside this transaction a single statement cannot be retried on its own.
        var lease = await ReadOnceAsync(cmd, ct);
        await tx.CommitAsync(ct);
        if (lease is not null)
        {
            CollabMetrics.LeaseForceReleases.Add(1);
        }

        return lease is null ? new LeaseChange.NotHeld() : new LeaseChange.Done(lease);
    }

    /// <summary>The live lease on <paramref name="key"/>, without its token; null when nobody holds it.</summary>
    public async Task<LeaseHolder?> GetAsync(string key, CancellationToken ct = default) =>
        await GetLiveAsync(key, ct) is { } lease ? LeaseHolder.From(lease) : null;

    /// <summary>The live lease on <paramref name="key"/> with its token (for the stores' fencing verdicts, never shown).</summary>
    internal async Task<Lease?> GetLiveAsync(string key, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM leases WHERE resource_key = $1 AND expires_at > now()");
        cmd.Parameters.Add(new() { Value = key });
        return await ReadLeaseAsync(cmd, ct);
    }

    /// <summary>Every live lease whose key starts with <paramref name="prefix"/>, oldest first.</summary>
    public async Task<IReadOnlyList<LeaseHolder>> ListLiveAsync(string prefix = "", CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM leases WHERE expires_at > now() AND starts_with(resource_key, $1) ORDER BY acquired_at");
        cmd.Parameters.Add(new() { Value = prefix });
        var result = new List<LeaseHolder>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(LeaseHolder.From(Read(reader)));
        }

        return result;
    }

    /// <summary>The holders' names of the live leases among <paramref name="keys"/> (one statement), by resource key.</summary>
    public async Task<IReadOnlyDictionary<string, string>> LiveHolderNamesAsync(IReadOnlyCollection<string> keys, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        await using var cmd = db.CreateCommand("SELECT resource_key, holder_name FROM leases WHERE resource_key = ANY($1) AND expires_at > now()");
        cmd.Parameters.Add(new() { Value = keys.ToArray() });
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result[reader.GetString(0)] = reader.GetString(1);
        }

        return result;
    }

    /// <summary>Deletes expired leases, auditing each as expired; the trigger announces them.</summary>
    public async Task<int> SweepExpiredAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("""
            WITH expired AS (
                DELETE FROM leases WHERE expires_at <= now() RETURNING *
            ), audit AS (
                INSERT INTO lease_audit (resource_key, action, user_id, user_name, holder_name, fencing, reason)
                SELECT resource_key, 'expired', holder_user_id, holder_name, holder_name, fencing, 'not renewed' FROM expired
            )
            SELECT count(*)::int FROM expired
            """);
        var expired = (int)(await cmd.ExecuteScalarAsync(ct))!;
        CollabMetrics.LeaseExpiries.Add(expired);
        return expired;
    }

    /// <summary>Asks the holder to check in (announced to every instance; nothing is stored).</summary>
    public async Task RequestReleaseAsync(string key, Actor asker, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(asker);
        CheckKey(key);
        var payload = JsonSerializer.Serialize(new ChangeEvent(ChangeKind.ReleaseRequested, key, 0, asker.DisplayName), Json);
        await using var cmd = db.CreateCommand("SELECT pg_notify('collab_changes', $1)");
        cmd.Parameters.Add(new() { Value = payload });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The audit trail, newest first, optionally for one resource and/or one user (holder or actor).</summary>
    public async Task<IReadOnlyList<LeaseAuditEntry>> AuditAsync(string? resource = null, string? user = null, int take = 200, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("""
            SELECT id, at, resource_key, action, user_id, user_name, holder_name, fencing, reason FROM lease_audit
             WHERE ($1 = '' OR resource_key = $1)
               AND ($2 = '' OR user_name ILIKE $2 OR holder_name ILIKE $2)
             ORDER BY id DESC
             LIMIT $3
            """);
        cmd.Parameters.Add(new() { Value = resource?.Trim() ?? string.Empty });
        cmd.Parameters.Add(new() { Value = user?.Trim() ?? string.Empty });
        cmd.Parameters.Add(new() { Value = Math.Clamp(take, 1, 1000) });
        var result = new List<LeaseAuditEntry>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new LeaseAuditEntry
            {
                Id = reader.GetInt64(0),
                At = reader.GetFieldValue<DateTimeOffset>(1),
                ResourceKey = reader.GetString(2),
                Action = reader.GetString(3),
                UserId = reader.IsDBNull(4) ? null : reader.GetString(4),
                UserName = reader.GetString(5),
                HolderName = reader.GetString(6),
                Fencing = reader.GetInt64(7),
                Reason = reader.IsDBNull(8) ? null : reader.GetString(8),
            });
        }

        return result;
    }

    /// <summary>Runs a one-statement lease command, retrying transient faults (each statement is safe to run again).</summary>
    private static async Task<Lease?> ReadLeaseAsync(NpgsqlCommand cmd, CancellationToken ct) =>
        await TransientRetry.Pipeline.ExecuteAsync(async token => await ReadOnceAsync(cmd, token), ct);

    private static async Task<Lease?> ReadOnceAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>A lease row selected as <see cref="Columns"/>.</summary>
    internal static Lease Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetGuid(4), r.GetInt64(5),
        r.GetFieldValue<DateTimeOffset>(6), r.GetFieldValue<DateTimeOffset>(7), r.GetFieldValue<DateTimeOffset>(8), r.GetTimeSpan(9));

    private static void CheckKey(string key)
    {
        if (!ResourceKey.TryParse(key, out _, out _))
        {
            throw new ArgumentException($"'{key}' is not a resource key.", nameof(key));
        }
    }
}

using CollabEditor.Core.Changes;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CollabEditor.Data.Changes;

/// <summary>
/// The positions of committed record and lease changes (table <c>change_log</c>, written by the
/// announcing triggers at commit, in commit order): what a reconnecting listener and a resuming
/// program replay instead of a resync.
/// </summary>
public sealed class ChangeLog(NpgsqlDataSource db, IOptions<ChangeLogOptions> options)
{
    /// <summary>
    /// The position of the latest committed change (0 before the first): every lower position is
    /// committed or never will be. The newest row is never pruned, so the log always has it.
    /// </summary>
    public async Task<long> HeadAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT coalesce(max(position), 0) FROM change_log");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// The changes after <paramref name="after"/> up to <paramref name="upTo"/>, in order, for the given
    /// resources and collections (all when both are null); <c>null</c> when the log no longer holds
    /// them all (pruned) or there are more than the catch-up limit: the caller then resyncs.
    /// </summary>
    public async Task<IReadOnlyList<ChangeEvent>?> ReadAsync(long after, long upTo, IReadOnlyCollection<string>? resources = null, IReadOnlyCollection<string>? collections = null, CancellationToken ct = default)
    {
        if (after < 0)
        {
            return null;
        }

        if (after >= upTo)
        {
            return [];
        }

        var limit = options.Value.MaxCatchUp;
        // One snapshot for the coverage check and the read, so a prune in between cannot make a
        // covered range look complete when rows were removed from it.
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var batch = new NpgsqlBatch(connection, tx);
        batch.BatchCommands.Add(new("SELECT min(position) FROM change_log"));
        var filter = resources is null && collections is null
            ? string.Empty
            : " AND (resource_key = ANY($3) OR split_part(resource_key, '/', 1) = ANY($4))";
        var read = new NpgsqlBatchCommand(
            $"SELECT kind, resource_key, version, actor, position FROM change_log WHERE position > $1 AND position <= $2{filter} ORDER BY position LIMIT {limit + 1}")
        {
            Parameters = { new() { Value = after }, new() { Value = upTo } },
        };
        if (filter.Length > 0)
        {
            read.Parameters.Add(new() { Value = (resources ?? []).ToArray() });
            read.Parameters.Add(new() { Value = (collections ?? []).Select(KindOf).ToArray() });
        }

        batch.BatchCommands.Add(read);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        // Positions only grow and the newest is never pruned: the log covers (after, upTo] when
        // nothing after `after` has been pruned, that is when its oldest row is at most after + 1.
        // (A number never used just below the oldest row would resync needlessly; that is rare and safe.)
        if (!reader.IsDBNull(0) && reader.GetInt64(0) > after + 1)
        {
            return null;
        }

        await reader.NextResultAsync(ct);
        var changes = new List<ChangeEvent>();
        while (await reader.ReadAsync(ct))
        {
            changes.Add(new(ParseKind(reader.GetString(0)), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt64(4)));
        }

        return changes.Count > limit ? null : changes;
    }

    /// <summary>Removes changes older than the retention; returns how many.</summary>
    public async Task<int> PruneAsync(CancellationToken ct = default)
    {
        // Never the newest: it marks where the log stands.
        await using var cmd = db.CreateCommand("""
            DELETE FROM change_log
             WHERE at < now() - $1
               AND position < (SELECT max(position) FROM change_log)
            """);
        cmd.Parameters.Add(new() { Value = options.Value.Retention });
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static string KindOf(string collection) =>
        ResourceKey.Collections.FirstOrDefault(c => c.Value == collection).Key ?? collection;

    private static ChangeKind ParseKind(string kind) => Enum.Parse<ChangeKind>(kind, ignoreCase: true);
}

using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CollabEditor.Data.Lists;

/// <summary>A list's total: exact up to a cap, else the planner's estimate.</summary>
public readonly record struct ListTotal(int Count, bool IsEstimate)
{
    /// <summary>
    /// Counts at most <paramref name="cap"/> + 1 rows of <paramref name="rows"/> (the LIMIT lets
    /// PostgreSQL stop early); over the cap, asks <paramref name="estimate"/> for the planner's guess.
    /// </summary>
    public static async Task<ListTotal> CountAsync<T>(IQueryable<T> rows, int cap, Func<CancellationToken, Task<long>> estimate, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        var counted = await rows.Take(cap + 1).CountAsync(ct);
        if (counted <= cap)
        {
            return new(counted, false);
        }

        var guess = await estimate(ct);
        return new((int)Math.Clamp(guess, cap + 1L, int.MaxValue), true);
    }

    /// <summary>Tables smaller than this are counted, never sampled: counting them is cheap.</summary>
    public const long SampleFrom = 100_000;

    /// <summary>A search with at most this many matches reads its page from their ids (primary-key lookups) instead of searching again.</summary>
    public const int FewMatches = 1_000;

    /// <summary>
    /// The total of a search over <paramref name="table"/>, and the matching ids when there are few.
    /// On a big table a 1 % block sample (TABLESAMPLE SYSTEM, repeatable) says first whether the
    /// matches are many; three times past the cap that sample's figure is the estimate, with no exact count of a
    /// term that matches half the catalogue. Otherwise — a rare term, a small table — the ids of up to
    /// cap + 1 matches are read (the filter's index serves that): their number is the exact total, and
    /// when they are few the page is read by id, so a rare term costs one index search, not two.
    /// </summary>
    public static async Task<(ListTotal Total, IReadOnlyList<int>? Ids)> SearchAsync(
        IQueryable<int> matchingIds, int cap, NpgsqlDataSource dataSource, string table, string where, IReadOnlyList<object> parameters, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (await EstimateAsync(dataSource, $"SELECT 1 FROM {table}", [], ct) >= SampleFrom)
        {
            await using var command = dataSource.CreateCommand($"SELECT count(*) * 100 FROM {table} TABLESAMPLE SYSTEM (1) REPEATABLE (14) WHERE {where}");
            foreach (var p in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = p });
            }

            // A block sample counts whole pages: rows written together (one import, one customer's
            // orders) swing it widely. Only far past the cap is it trusted; nearer, the bounded count decides.
            var sampled = (long)(await command.ExecuteScalarAsync(ct))!;
            if (sampled > 3L * cap)
            {
                return (new((int)Math.Min(sampled, int.MaxValue), true), null);
            }
        }

        var ids = await matchingIds.Take(cap + 1).ToListAsync(ct);
        if (ids.Count <= cap)
        {
            return (new(ids.Count, false), ids.Count <= FewMatches ? ids : null);
        }

        var guess = await EstimateAsync(dataSource, $"SELECT 1 FROM {table} WHERE {where}", parameters, ct);
        return (new((int)Math.Clamp(guess, cap + 1L, int.MaxValue), true), null);
    }

    /// <summary>
    /// The planner's row estimate for <paramref name="sql"/> (EXPLAIN, nothing is run); for a whole
    /// table that is the statistics' row count, kept up to date by autovacuum's ANALYZE.
    /// </summary>
    public static async Task<long> EstimateAsync(NpgsqlDataSource dataSource, string sql, IReadOnlyList<object> parameters, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(parameters);
        await using var command = dataSource.CreateCommand("EXPLAIN (FORMAT JSON) " + sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        var json = (string)(await command.ExecuteScalarAsync(ct))!;
        using var plan = System.Text.Json.JsonDocument.Parse(json);
        return (long)plan.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
    }

    /// <summary>
    /// A search as an <c>ILIKE</c> pattern matching it anywhere: <c>\</c>, <c>%</c> and <c>_</c> escaped so they
    /// match themselves (the queries name <c>ESCAPE '\'</c>: EF would otherwise write <c>ESCAPE ''</c>).
    /// </summary>
    public static string ContainsPattern(string search)
    {
        ArgumentNullException.ThrowIfNull(search);
        return "%" + search.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// The statements Npgsql sends to one database while it is alive (its activity source, filtered by
/// the database name), sorted into list queries, shared change reads and the rest.
/// </summary>
public sealed class StatementCounter : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<string> _statements = new();

    public StatementCounter(string connectionString)
    {
        var database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                var tags = a.TagObjects.Select(t => t.Value?.ToString() ?? string.Empty).ToList();
                if (tags.Contains(database) && tags.Find(t => t.Contains("SELECT", StringComparison.OrdinalIgnoreCase) || t.Contains("UPDATE", StringComparison.OrdinalIgnoreCase)) is { } sql)
                {
                    _statements.Enqueue(sql);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>A list's own queries: its count, its sorted page, its lease list.</summary>
    public int ListQueries => _statements.Count(IsListQuery);

    /// <summary>The list queries' text (for a failure message).</summary>
    public string ListQueryText => string.Join(Environment.NewLine, _statements.Where(IsListQuery));

    /// <summary>The instance's shared reads of changed rows and leases.</summary>
    public int SharedReads => _statements.Count(s => s.Contains("= ANY", StringComparison.Ordinal));

    /// <summary>A list's count (or estimate), its sorted page, or its lease list: a SELECT, not the lease sweeper's DELETE … count(*).</summary>
    public static bool IsListQuery(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var text = sql.TrimStart();
        if (!text.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) && !text.StartsWith("EXPLAIN", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return text.Contains("starts_with(resource_key", StringComparison.Ordinal)
            || ((text.Contains("FROM products", StringComparison.Ordinal) || text.Contains("FROM orders", StringComparison.Ordinal) || text.Contains("FROM customers", StringComparison.Ordinal))
                && (text.Contains("ORDER BY", StringComparison.Ordinal) || text.Contains("count(", StringComparison.OrdinalIgnoreCase) || text.StartsWith("EXPLAIN", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>Forgets what was counted so far.</summary>
    public void Reset() => _statements.Clear();

    public void Dispose() => _listener.Dispose();
}

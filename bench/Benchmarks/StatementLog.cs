using System.Text;
using System.Text.RegularExpressions;
using CollabEditor.Data.LocalPostgres;
using Npgsql;

namespace CollabEditor.Benchmarks;

/// <summary>
/// What one unit of work sends to the server, from the throwaway cluster's own statement log
/// (log_statement = 'all' for the moment it runs; nothing else may be using the cluster then).
/// Statements are not round trips: Npgsql sends a transaction's BEGIN together with its first command.
/// </summary>
internal static partial class StatementLog
{
    /// <summary>The statements <paramref name="work"/> sent, whitespace collapsed, parameters as $n.</summary>
    public static async Task<IReadOnlyList<string>> CaptureAsync(LocalPostgresCluster cluster, Func<Task> work)
    {
        var log = Path.Combine(cluster.DataDirectory, "server.log");
        var marker = $"bench-marker-{Guid.NewGuid():N}";
        // Markers and settings on a connection of their own, outside the pool the work uses.
        await using var admin = new NpgsqlConnection(cluster.ConnectionString("bench") + ";Pooling=false");
        await admin.OpenAsync();
        await SetAsync(admin, "all");
        try
        {
            await ExecuteAsync(admin, $"SELECT '{marker}-begin'");
            await work();
            await ExecuteAsync(admin, $"SELECT '{marker}-end'");
        }
        finally
        {
            await SetAsync(admin, null);
        }

        // The server writes its log asynchronously to the file: wait until the end marker is there.
        for (var attempt = 0; ; attempt++)
        {
            var text = await ReadSharedAsync(log);
            var (from, to) = (text.IndexOf(marker + "-begin", StringComparison.Ordinal), text.IndexOf(marker + "-end", StringComparison.Ordinal));
            if (from >= 0 && to > from)
            {
                // From the line after the begin marker to the line before the end marker.
                from = text.IndexOf('\n', from) + 1;
                to = text.LastIndexOf('\n', to) + 1;
                return from <= to ? Parse(text[from..to]) : [];
            }

            if (attempt == 50)
            {
                return [];
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Prints what one save of each variant (writer 0) sends.</summary>
    public static async Task PrintPerSaveAsync(LocalPostgresCluster cluster, IEnumerable<SaveVariant> variants)
    {
        foreach (var variant in variants)
        {
            var statements = await CaptureAsync(cluster, () => variant.SaveAsync(0));
            Console.WriteLine($"  statements one save sends (server log), {variant.Name}: {statements.Count}");
            foreach (var statement in statements)
            {
                Console.WriteLine($"    {(statement.Length > 110 ? statement[..107] + "..." : statement)}");
            }
        }
    }

    /// <summary>A statement starts on a logged line and continues on the lines without the log prefix (a timestamp).</summary>
    private static List<string> Parse(string text)
    {
        var statements = new List<string>();
        StringBuilder? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (Statement().Match(line) is { Success: true } m)
            {
                current = new StringBuilder(m.Groups[1].Value);
                statements.Add(string.Empty);
            }
            else if (current is not null && !Prefixed().IsMatch(line))
            {
                current.Append(' ').Append(line);
            }
            else
            {
                current = null;
            }

            if (current is not null)
            {
                statements[^1] = Spaces().Replace(current.ToString(), " ").Trim();
            }
        }

        return statements;
    }

    private static async Task SetAsync(NpgsqlConnection admin, string? value)
    {
        await ExecuteAsync(admin, value is null ? "ALTER SYSTEM RESET log_statement" : $"ALTER SYSTEM SET log_statement = '{value}'");
        await ExecuteAsync(admin, "SELECT pg_reload_conf()");
        // Backends pick the reloaded setting up between statements; give them a moment.
        await Task.Delay(300);
    }

    private static async Task ExecuteAsync(NpgsqlConnection admin, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, admin);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    // "LOG:  statement: BEGIN …" (simple protocol) or "LOG:  execute <unnamed>: SELECT …" (extended).
    [GeneratedRegex(@"LOG:\s+(?:statement|execute [^:]*):\s*(.*)")]
    private static partial Regex Statement();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\d ")]
    private static partial Regex Prefixed();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}

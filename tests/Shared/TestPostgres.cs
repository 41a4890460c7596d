using CollabEditor.Data;
using CollabEditor.Data.LocalPostgres;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CollabEditor.Tests;

/// <summary>
/// The PostgreSQL server the tests use: the one named by COLLAB_TEST_POSTGRES (an admin connection
/// string), or else a throwaway local cluster started with the app's own launcher and deleted when
/// the test process exits. Each test class gets a fresh, migrated database cloned from a template.
/// </summary>
public static class TestPostgres
{
    public const string ServerVariable = "COLLAB_TEST_POSTGRES";
    private static readonly SemaphoreSlim CreateLock = new(1, 1);
    private static readonly string TemplateName = $"collab_template_{Environment.ProcessId}";
    private static readonly Lazy<Task<string>> Admin = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static LocalPostgresCluster? _cluster;
    private static bool _templateReady;

    /// <summary>The throwaway cluster, when the tests started one (null when using COLLAB_TEST_POSTGRES).</summary>
    public static LocalPostgresCluster? Cluster => _cluster;

    /// <summary>An admin connection string to the server's maintenance database.</summary>
    public static Task<string> AdminConnectionStringAsync() => Admin.Value;

    private static async Task<string> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable(ServerVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        // Stopped by TestRunFramework when the assembly has run; the exit handler is a fallback.
        _cluster = await LocalPostgresCluster.StartThrowawayAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopCluster();
        return _cluster.ConnectionString("postgres");
    }

    /// <summary>Stops and deletes the throwaway cluster, if one was started (off xunit's synchronization context).</summary>
    public static void StopCluster() => Task.Run(() => _cluster?.StopAsync() ?? Task.CompletedTask).GetAwaiter().GetResult();

    /// <summary>Creates a fresh database with every migration applied and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        var admin = await AdminConnectionStringAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(60, prefix.Length + 33)].ToLowerInvariant();
        await CreateLock.WaitAsync();
        try
        {
            if (!_templateReady)
            {
                await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {TemplateName} WITH (FORCE)");
                await ExecuteAsync(admin, $"CREATE DATABASE {TemplateName}");
                var templateCs = With(admin, TemplateName) + ";Pooling=false";
                await using (var db = new CollabDbContext(new DbContextOptionsBuilder<CollabDbContext>().UseNpgsql(templateCs).Options))
                {
                    await db.Database.MigrateAsync();
                }

                _templateReady = true;
            }

            await ExecuteAsync(admin, $"CREATE DATABASE {name} TEMPLATE {TemplateName}");
        }
        finally
        {
            CreateLock.Release();
        }

        return With(admin, name);
    }

    /// <summary>Creates an empty database (nothing migrated: a first start) and returns its connection string.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync(string prefix = "empty")
    {
        var admin = await AdminConnectionStringAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(60, prefix.Length + 33)].ToLowerInvariant();
        await ExecuteAsync(admin, $"CREATE DATABASE {name}");
        return With(admin, name);
    }

    /// <summary>The same server and credentials, another database.</summary>
    public static string With(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Holds a row lock on <paramref name="table"/>'s row <paramref name="id"/> from another session
    /// until <see cref="RowLock.RollbackAsync"/> (or disposal): writes to that row wait meanwhile.
    /// </summary>
    public static async Task<RowLock> HoldRowLockAsync(string connectionString, string table, int id)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tx = await connection.BeginTransactionAsync();
        await using var lockRow = new NpgsqlCommand($"SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE", connection, tx) { Parameters = { new() { Value = id } } };
        await lockRow.ExecuteNonQueryAsync();
        return new RowLock(connection, tx);
    }

    /// <summary>A row lock held by its own session; rolling back releases it.</summary>
    public sealed class RowLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public Task RollbackAsync() => transaction.RollbackAsync();

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    /// <summary>Waits until a statement in the database of <paramref name="connectionString"/> waits for a lock (pg_locks: not granted).</summary>
    public static async Task WaitForALockWaitAsync(string connectionString)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()", db);
            if ((long)(await cmd.ExecuteScalarAsync(timeout.Token))! > 0)
            {
                return;
            }

            await Task.Delay(20, timeout.Token);
        }
    }
}

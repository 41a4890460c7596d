using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Data.Startup;

/// <summary>
/// One instance at a time through the start-up work that changes the database (migrating, demo data,
/// a first admin): a session-level PostgreSQL advisory lock on its own connection, held until disposed.
/// Not re-entrant across connections: take it once, never inside another holder of it.
/// </summary>
public sealed class StartupLock : IAsyncDisposable
{
    /// <summary>The lock's key; the same one the demo seeding used on its own, so a rolling upgrade stays serialized.</summary>
    public const long Key = 727001;

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlConnection _connection;

    private StartupLock(NpgsqlDataSource dataSource, NpgsqlConnection connection) => (_dataSource, _connection) = (dataSource, connection);

    /// <summary>Waits (as long as it takes, or until <paramref name="ct"/>) until this instance holds the lock.</summary>
    public static async Task<StartupLock> AcquireAsync(IServiceProvider services, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            // No command timeout: another instance's migration may take longer than 30 s.
            await using var command = new NpgsqlCommand($"SELECT pg_advisory_lock({Key})", connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync(ct);
            return new StartupLock(dataSource, connection);
        }
        catch
        {
            // The lock may have been granted before the failure: this session must never be lent out
            // again (the pool keeps session state: No Reset On Close).
            dataSource.Clear();
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var command = new NpgsqlCommand($"SELECT pg_advisory_unlock({Key})", _connection);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException)
        {
            // The pool does not reset a connection it gets back (no DISCARD ALL): a session that may
            // still hold the lock must not be handed out again. Clearing the pool closes it on return.
            _dataSource.Clear();
            throw;
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}

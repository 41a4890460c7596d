using CollabEditor.Data.Startup;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Data.Tests;

/// <summary>
/// The app pool keeps server state between uses (no DISCARD ALL, prepared statements), so no pooled
/// session may carry state from one use to the next; and an operator's explicit setting wins.
/// </summary>
public sealed class PoolSettingsTests : DataTest
{
    [Fact]
    public void PoolSettings_ByDefault_SkipTheResetAndAutoPrepare()
    {
        var settings = new NpgsqlConnectionStringBuilder(DataServiceCollectionExtensions.PoolSettings("Host=db;Username=app"));
        Assert.True(settings.NoResetOnClose);
        Assert.True(settings.MaxAutoPrepare > 0);
    }

    [Fact]
    public void PoolSettings_NamedInTheConnectionString_AreKept()
    {
        var settings = new NpgsqlConnectionStringBuilder(DataServiceCollectionExtensions.PoolSettings("Host=db;Username=app;No Reset On Close=false;Max Auto Prepare=0"));
        Assert.False(settings.NoResetOnClose);
        Assert.Equal(0, settings.MaxAutoPrepare);
    }

    [Fact]
    public async Task AfterTheStartupLock_AndASave_ThePooledSessions_HoldNoAdvisoryLock_NoListen_NoTempTable_NoSetting()
    {
        var product = await CreateAsync(NewProduct("POOL-STATE"));
        await using (await StartupLock.AcquireAsync(Services))
        {
        }

        Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(product.Id, product.Version, product.Values with { Stock = 3 }, Alice));
        Assert.IsType<DeleteResult.Removed>(await Store.DeleteAsync(product.Id, product.Version + 1, Bob));

        // Every idle session in the pool, asked at once (each open below takes a different one).
        var pool = Services.GetRequiredService<NpgsqlDataSource>();
        var sessions = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                sessions.Add(await pool.OpenConnectionAsync());
            }

            foreach (var session in sessions)
            {
                await using var cmd = new NpgsqlCommand("""
                    SELECT (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()),
                           (SELECT count(*) FROM pg_listening_channels()),
                           (SELECT count(*) FROM pg_class WHERE relpersistence = 't'),
                           COALESCE(current_setting('collab.actor', true), '')
                    """, session);
                await using var reader = await cmd.ExecuteReaderAsync();
                Assert.True(await reader.ReadAsync());
                Assert.Equal((0L, 0L, 0L, string.Empty), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
            }
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task NegativeControl_ASessionLockLeftOnAPooledConnection_IsHeldByItsNextUse()
    {
        // One connection in the pool, so the next open is the same session.
        await using var pool = NpgsqlDataSource.Create(DataServiceCollectionExtensions.PoolSettings(ConnectionString) + ";Maximum Pool Size=1");
        await using (var first = await pool.OpenConnectionAsync())
        await using (var cmd = new NpgsqlCommand("SELECT pg_advisory_lock(4242)", first))
        {
            await cmd.ExecuteNonQueryAsync();
        }

        await using var next = await pool.OpenConnectionAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()", next);
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
    }
}

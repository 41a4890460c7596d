using CollabEditor.Data.LocalPostgres;
using Npgsql;

namespace CollabEditor.Data.Tests;

public sealed class LocalPostgresClusterTests
{
    [Fact]
    public async Task Start_WithoutServerPrograms_FailsWithOneClearMessage()
    {
        var empty = Directory.CreateTempSubdirectory("no-pg-bin-");
        try
        {
            var ex = await Assert.ThrowsAsync<LocalPostgresUnavailableException>(() =>
                LocalPostgresCluster.StartAsync(Path.Combine(empty.FullName, "cluster"), binDirectory: empty.FullName));
            Assert.Contains("apt-get install postgresql", ex.Message, StringComparison.Ordinal);
            Assert.Contains("ConnectionStrings__Collab", ex.Message, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(empty.FullName, "cluster")));
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public void FindBinDirectory_FindsTheInstalledServer() =>
        Assert.True(File.Exists(Path.Combine(LocalPostgresCluster.FindBinDirectory()!, "pg_ctl")));

    [Fact]
    public async Task Start_KeepsDataBetweenRuns_AndListensOnLoopbackOnly()
    {
        var root = Path.Combine(Path.GetTempPath(), $"collab-persist-{Guid.NewGuid():N}");
        try
        {
            var first = await LocalPostgresCluster.StartAsync(root);
            var cs = await first.EnsureDatabaseAsync("collab");
            await ExecuteAsync(cs, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42);");
            Assert.Equal("127.0.0.1", await ScalarAsync(cs, "SHOW listen_addresses"));
            await first.StopAsync();
            NpgsqlConnection.ClearAllPools();

            var second = await LocalPostgresCluster.StartAsync(root);
            try
            {
                Assert.Equal(42, await ScalarAsync(await second.EnsureDatabaseAsync("collab"), "SELECT v FROM kept"));
            }
            finally
            {
                await second.StopAsync();
            }

            Assert.False(File.Exists(Path.Combine(second.DataDirectory, "postmaster.pid")));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Start_WhenTheClusterIsAlreadyRunning_ReusesIt()
    {
        await using var first = await LocalPostgresCluster.StartThrowawayAsync();
        var again = await LocalPostgresCluster.StartAsync(first.RootDirectory);
        Assert.Equal(first.Port, again.Port);
    }

    private static async Task ExecuteAsync(string cs, string sql)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string cs, string sql)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return await cmd.ExecuteScalarAsync();
    }
}

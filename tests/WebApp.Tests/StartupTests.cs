using CollabEditor.Tests;
using CollabEditor.WebApp.Tests.Field;
using Npgsql;
using Xunit.Abstractions;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// Starts that cannot go on, as an operator meets them (issue 13): the built app run as a process
/// ends with exit code 1 and one line on standard error naming what to fix, never a stack trace.
/// </summary>
public sealed class StartupTests(ITestOutputHelper output)
{
    /// <summary>A database address where nothing listens: a setting must be refused before the app tries it.</summary>
    private static readonly string NoDatabase = $"Host=127.0.0.1;Port={AppProcess.FreePort()};Database=collab;Username=collab;Password=x";

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "Leases__Ttl", "-5", "Leases:Ttl" },
        { "Leases__RenewEvery", "00:02:00", "Leases:RenewEvery" },
        { "Leases__SweepEvery", "00:00:00", "Leases:SweepEvery" },
        { "Presence__Ttl", "abc", "Presence:Ttl" },
        { "Presence__HeartbeatEvery", "00:00:05", "Presence:HeartbeatEvery" },
        { "Editing__FieldLockIdle", "00:00:00", "Editing:FieldLockIdle" },
        { "Changes__Retention", "00:00:10", "Changes:Retention" },
        { "Changes__MaxCatchUp", "0", "Changes:MaxCatchUp" },
        { "Changes__ListenerHealthyAfter", "soon", "Changes:ListenerHealthyAfter" },
        { "Database__StartupTimeout", "-00:00:01", "Database:StartupTimeout" },
        { "Database__MigrateAtStart", "maybe", "Database:MigrateAtStart" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task ABadSetting_StopsTheStartBeforeTheDatabase_WithOneLineNamingIt_AndExitCode1(string variable, string value, string setting)
    {
        await using var app = AppProcess.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Collab"] = NoDatabase,
            ["Database__StartupTimeout"] = "00:00:30",
            [variable] = value,
        });

        var line = await FailedStartAsync(app);
        Assert.Contains(setting, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Database not reachable", app.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADatabaseThatStaysAway_StopsTheStartAfterTheTimeout_LoggingEachTry()
    {
        await using var app = AppProcess.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Collab"] = NoDatabase,
            ["Database__StartupTimeout"] = "00:00:03",
        });

        var line = await FailedStartAsync(app);
        Assert.Contains("Database:StartupTimeout", line, StringComparison.Ordinal);
        Assert.Contains("Database not reachable yet (try 2,", app.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedMigration_StopsTheStartWithOneLine()
    {
        var database = await TestPostgres.CreateEmptyDatabaseAsync("badmigrate");
        await using (var db = new NpgsqlConnection(database))
        {
            await db.OpenAsync();
            // In the way of the first migration.
            await using var block = new NpgsqlCommand("CREATE TABLE products (x int)", db);
            await block.ExecuteNonQueryAsync();
        }

        await using var app = AppProcess.Start(new Dictionary<string, string?> { ["ConnectionStrings__Collab"] = database });

        var line = await FailedStartAsync(app);
        Assert.Contains("Migrating the database failed", line, StringComparison.Ordinal);
        Assert.Contains("42P07", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotMigratingAtStart_OnAnUnmigratedDatabase_SaysToRunMigrate()
    {
        var database = await TestPostgres.CreateEmptyDatabaseAsync("nomigrate");
        await using var app = AppProcess.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Collab"] = database,
            ["Database__MigrateAtStart"] = "false",
        });

        var line = await FailedStartAsync(app);
        Assert.Contains("Database:MigrateAtStart", line, StringComparison.Ordinal);
        Assert.Contains("migrate", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDatabaseComingUp15SecondsAfterTheApp_TheAppBecomesReadyOnceItIsUp()
    {
        var database = new NpgsqlConnectionStringBuilder(await TestPostgres.CreateEmptyDatabaseAsync("late"));
        var server = new Uri($"tcp://{(database.Host == "localhost" ? "127.0.0.1" : database.Host)}:{database.Port}");
        var port = AppProcess.FreePort();
        var late = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = port };
        await using var app = AppProcess.Start(new Dictionary<string, string?> { ["ConnectionStrings__Collab"] = late.ConnectionString });

        // The database "comes up" 15 s later: until then nothing listens at its address.
        await Task.Delay(TimeSpan.FromSeconds(15));
        Assert.Contains("Database not reachable yet", app.Output, StringComparison.Ordinal);
        await using var proxy = LatencyProxy.Start(server, TimeSpan.Zero, port);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await app.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"ready {clock.Elapsed.TotalSeconds:F1} s after the database came up");
        output.WriteLine(app.Output);
    }

    [Fact]
    public async Task ThePasswordFromAFile_IsUsed_AndAMissingFileIsOneLine()
    {
        var database = new NpgsqlConnectionStringBuilder(await TestPostgres.CreateEmptyDatabaseAsync("secret"));
        var secret = Path.GetTempFileName();
        await File.WriteAllTextAsync(secret, database.Password + "\n");
        try
        {
            database.Password = null;
            await using (var app = AppProcess.Start(new Dictionary<string, string?>
            {
                ["ConnectionStrings__Collab"] = database.ConnectionString,
                ["Database__PasswordFile"] = secret,
            }))
            {
                await app.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            }

            await using var missing = AppProcess.Start(new Dictionary<string, string?>
            {
                ["ConnectionStrings__Collab"] = database.ConnectionString,
                ["Database__PasswordFile"] = secret + ".missing",
            });
            Assert.Contains("Database:PasswordFile", await FailedStartAsync(missing), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Fact]
    public async Task ABadBootstrapSetting_StopsTheStartWithOneLineNamingIt()
    {
        var database = await TestPostgres.CreateDatabaseAsync("boot");
        await using var app = AppProcess.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Collab"] = database,
            ["Bootstrap__AdminUser"] = "root",
        });

        var line = await FailedStartAsync(app);
        Assert.Contains("Bootstrap__AdminUser is set without Bootstrap__AdminPassword or Bootstrap__AdminPasswordFile", line, StringComparison.Ordinal);
    }

    /// <summary>Waits for the app to give up and returns its one line, after checking exit code 1 and no stack trace.</summary>
    private async Task<string> FailedStartAsync(AppProcess app)
    {
        var exitCode = await app.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"exit {exitCode}; stderr:\n{app.Errors}\nstdout:\n{app.Output}");
        Assert.Equal(1, exitCode);
        var lines = app.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("CollabEditor cannot start: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", app.Output + app.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", app.Output + app.Errors, StringComparison.Ordinal);
        return line;
    }
}

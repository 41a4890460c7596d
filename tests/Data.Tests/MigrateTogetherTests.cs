using CollabEditor.Tests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CollabEditor.Data.Tests;

/// <summary>
/// Two instances migrating one empty database at the same moment (issue 13): each is its own
/// service provider with its own connection pool, as two processes would be.
/// </summary>
public sealed class MigrateTogetherTests(ITestOutputHelper output)
{
    private const int Rounds = 20;

    [Fact]
    public async Task TwoInstancesMigratingAnEmptyDatabaseTogether_BothSucceed_TwentyTimes()
    {
        var failures = await RaceAsync(sp => sp.MigrateCollabDatabaseAsync());
        Assert.Empty(failures);
    }

    /// <summary>Negative control: EF Core's own migration lock alone lets the second instance re-apply a migration.</summary>
    [Fact]
    public async Task EfCoresOwnLockAlone_LetsOneOfTwoInstancesFail()
    {
        var failures = await RaceAsync(async sp =>
        {
            await using var db = await sp.GetRequiredService<IDbContextFactory<CollabDbContext>>().CreateDbContextAsync();
            await db.Database.MigrateAsync();
        });
        Assert.NotEmpty(failures);
    }

    private async Task<List<string>> RaceAsync(Func<IServiceProvider, Task> migrate)
    {
        var failures = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            var database = await TestPostgres.CreateEmptyDatabaseAsync("race");
            await using var a = Instance(database);
            await using var b = Instance(database);
            using var start = new Barrier(2);
            var results = await Task.WhenAll(
                Task.Run(() => RunAsync(a, start, migrate)),
                Task.Run(() => RunAsync(b, start, migrate)));
            failures.AddRange(results.OfType<string>().Select(f => $"round {round}: {f}"));
        }

        output.WriteLine($"{failures.Count} of {2 * Rounds} instances failed");
        foreach (var failure in failures)
        {
            output.WriteLine(failure);
        }

        return failures;
    }

    private static async Task<string?> RunAsync(ServiceProvider services, Barrier start, Func<IServiceProvider, Task> migrate)
    {
        start.SignalAndWait();
        try
        {
            await migrate(services);
            return null;
        }
        catch (Exception ex)
        {
            return $"{ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}";
        }
    }

    private static ServiceProvider Instance(string database)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddCollabData(database);
        return services.BuildServiceProvider();
    }
}

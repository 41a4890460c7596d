using CollabEditor.Tests;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CollabEditor.WebApp.Tests.Accounts;

/// <summary>The app started in Production: no demo users unless Seed__DemoData=true asks; the Bootstrap admin at start; a bad Bootstrap setting stops the start (StartupTests, as a process).</summary>
public sealed class ProductionStartTests
{
    private const string Strong = "Str0ng!Pass";

    private sealed class ProductionApp(string connectionString, IReadOnlyDictionary<string, string> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("ConnectionStrings:Collab", connectionString);
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }

    private static async Task<string> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var db = await TestPostgres.CreateDatabaseAsync("prod");
        await using var app = new ProductionApp(db, settings);
        using var client = app.CreateClient();
        return db;
    }

    [Fact]
    public async Task InProduction_NoDemoUsers_ButTheBootstrapAdmin()
    {
        var db = await StartAsync(new Dictionary<string, string> { ["Bootstrap:AdminUser"] = "root", ["Bootstrap:AdminPassword"] = Strong });

        Assert.Equal("root\troot\tAdmin\tenabled", (await Cli.RunAsync(db, null, "users", "list")).Line);
    }

    [Fact]
    public async Task InProduction_SeedDemoDataTrue_AsksForTheDemoUsers()
    {
        var db = await StartAsync(new Dictionary<string, string> { ["Seed:DemoData"] = "true" });

        var list = await Cli.RunAsync(db, null, "users", "list");
        Assert.Equal(["admin", "alice", "bob"], list.Out.TrimEnd().Split(Environment.NewLine).Select(l => l.Split('\t')[0]));
    }
}

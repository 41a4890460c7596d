using CollabEditor.Data;
using CollabEditor.Data.LocalPostgres;
using CollabEditor.Data.Seeding;
using CollabEditor.WebApp;
using CollabEditor.WebApp.Account;
using CollabEditor.WebApp.Cli;

// Operator verbs (`users …`, `migrate`) run and exit instead of starting the web app.
if (CollabCli.Handles(args))
{
    return await CollabCli.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

string connectionString;
try
{
    using var startupLogs = LoggerFactory.Create(l => l.AddConsole());
    connectionString = await builder.Services.ResolveCollabDatabaseAsync(builder.Configuration, startupLogs.CreateLogger("CollabEditor.Startup"));
}
catch (LocalPostgresUnavailableException ex)
{
    // One clear sentence instead of a stack trace: what to install or which setting to give.
    await Console.Error.WriteLineAsync($"CollabEditor cannot start: {ex.Message}");
    return 1;
}

builder.Services.AddCollabData(connectionString);
builder.AddCollabWebApp();

var app = builder.Build();
await app.Services.MigrateCollabDatabaseAsync();
if (app.Configuration.GetValue<bool>("Seed:DemoData"))
{
    await DemoData.SeedAsync(app.Services);
}

await FirstAdmin.EnsureAsync(app.Services, app.Configuration);

app.UseCollabWebApp();
await app.RunAsync();
return 0;

/// <summary>The web app's entry point (public for WebApplicationFactory in the tests).</summary>
public partial class Program;

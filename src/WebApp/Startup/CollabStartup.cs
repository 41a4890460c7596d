using CollabEditor.Data;
using CollabEditor.Data.Seeding;
using CollabEditor.Data.Startup;
using Microsoft.Extensions.Options;

namespace CollabEditor.WebApp.Startup;

/// <summary>
/// An instance's start, in the order that keeps a bad start short and clear: settings first, then
/// the database (waited for), then migrating and seeding one instance at a time.
/// </summary>
public static class CollabStartup
{
    /// <summary>Finds (or in Development starts) the database and registers the data layer and the web app.</summary>
    public static async Task<WebApplicationBuilder> AddCollabAsync(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        using var startupLogs = LoggerFactory.Create(l => l.AddConsole());
        var connectionString = await builder.Services.ResolveCollabDatabaseAsync(builder.Configuration, startupLogs.CreateLogger(LogCategory));
        builder.Services.AddCollabData(connectionString);
        builder.AddCollabWebApp();
        builder.Services.AddCollabShutdown();
        return builder;
    }

    /// <summary>
    /// Validates every setting, waits for the database, then migrates (unless Database:MigrateAtStart
    /// is false) and seeds demo data when asked to, all before the app takes a request.
    /// </summary>
    public static async Task PrepareCollabAsync(this WebApplication app, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        var services = app.Services;
        // Before anything touches the database: a bad setting stops the start here, naming itself.
        services.GetService<IStartupValidator>()?.Validate();

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);
        await services.WaitForCollabDatabaseAsync(logger, ct);
        if (services.GetRequiredService<IOptions<DatabaseStartupOptions>>().Value.MigrateAtStart)
        {
            await Step("Migrating the database", () => services.MigrateCollabDatabaseAsync(ct));
        }
        else
        {
            await services.EnsureCollabDatabaseMigratedAsync(ct);
        }

        if (app.Configuration.GetValue<bool>("Seed:DemoData"))
        {
            await Step("Seeding the demo data", () => DemoData.SeedAsync(services, ct));
        }

        // The first admin from Bootstrap:* on an empty user table (its own lock; a bad setting is one line).
        await Account.FirstAdmin.EnsureAsync(services, app.Configuration, ct);
    }

    private const string LogCategory = "CollabEditor.Startup";

    /// <summary>A step that fails says which step it was, on the one line the operator sees.</summary>
    private static async Task Step(string what, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception ex) when (ex is not (StartupException or OperationCanceledException))
        {
            throw new StartupException($"{what} failed: {DatabaseWait.OneLine(ex)}", ex);
        }
    }
}

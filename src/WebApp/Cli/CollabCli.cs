using CollabEditor.Data;
using CollabEditor.Data.LocalPostgres;
using CollabEditor.WebApp.Account;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CollabEditor.WebApp.Cli;

/// <summary>
/// Operator verbs on the app itself (as Gitea's and Keycloak's): <c>users add|set-password|set-role|disable|enable|list</c>
/// and <c>migrate</c>. They use the app's own configuration and services (the configured connection
/// string, or the local cluster in Development), print one line, and exit 0, or 1 with one line saying why.
/// </summary>
public static class CollabCli
{
    public const string Usage =
        "Usage: users add NAME --role Admin|Editor [--display-name \"NAME\"] --password-stdin | users set-password NAME --password-stdin"
        + " | users set-role NAME Admin|Editor | users disable NAME | users enable NAME | users list | migrate";

    /// <summary>True when the command line is a CLI verb rather than a web app start.</summary>
    public static bool Handles(string[] args) => args is ["users", ..] or ["migrate", ..];

    /// <summary>Runs the verb with the console's streams; the exit code.</summary>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.In, Console.Out, Console.Error);

    /// <summary>Runs the verb; <paramref name="settings"/> and <paramref name="environment"/> override the configuration (for tests).</summary>
    internal static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, IReadOnlyDictionary<string, string?>? settings = null, string? environment = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!CliCommand.TryParse(args, out var command, out var problem))
        {
            await error.WriteLineAsync(problem);
            return 1;
        }

        string? password = null;
        if (command.ReadsPassword)
        {
            // One line from standard input: a password on the command line would sit in the shell history and `ps`.
            password = (await input.ReadLineAsync())?.TrimEnd('\r');
            if (string.IsNullOrEmpty(password))
            {
                await error.WriteLineAsync("No password on standard input: pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | … --password-stdin`.");
                return 1;
            }
        }

        try
        {
            var result = await RunAsync(command, password, settings, environment);
            await (result.Succeeded ? output : error).WriteLineAsync(result.Message);
            return result.Succeeded ? 0 : 1;
        }
        catch (LocalPostgresUnavailableException ex)
        {
            await error.WriteLineAsync($"Cannot reach the database: {ex.Message}");
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            await error.WriteLineAsync("The database has no user tables yet: run `migrate` (or start the app once) first.");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException || ex.InnerException is NpgsqlException)
        {
            await error.WriteLineAsync($"Cannot reach the database: {(ex.InnerException ?? ex).Message}");
        }

        return 1;
    }

    private static async Task<AccountResult> RunAsync(CliCommand command, string? password, IReadOnlyDictionary<string, string?>? settings, string? environment)
    {
        var app = await BuildAsync(settings, environment);
        try
        {
            return await ExecuteAsync(command, password, app.Services);
        }
        finally
        {
            var cluster = app.Services.GetService<LocalPostgresCluster>();
            await app.DisposeAsync();
            // Stop the local cluster only if this command started it (a running app keeps using its own).
            if (cluster is { Reused: false })
            {
                await cluster.StopAsync();
            }
        }
    }

    /// <summary>The app's services as the web app registers them, not started: the same Identity options, database and configuration.</summary>
    internal static async Task<WebApplication> BuildAsync(IReadOnlyDictionary<string, string?>? settings = null, string? environment = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // The app's own configuration (appsettings.json next to the dll, the environment, user secrets in Development).
            ApplicationName = typeof(CollabCli).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = environment,
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        // The verb's one line is the output; the framework's logs would bury it.
        builder.Logging.ClearProviders();
        var connectionString = await builder.Services.ResolveCollabDatabaseAsync(builder.Configuration, NullLogger.Instance);
        builder.Services.AddCollabData(connectionString);
        builder.AddCollabWebApp();
        return builder.Build();
    }

    private static async Task<AccountResult> ExecuteAsync(CliCommand command, string? password, IServiceProvider services)
    {
        var accounts = services.GetRequiredService<UserAccounts>();
        var by = AccountOperator.Cli;
        switch (command.Verb)
        {
            case "migrate":
                return await MigrateAsync(services);
            case "list":
                var users = await accounts.ListAsync();
                return AccountResult.Done(users.Count == 0
                    ? "No users."
                    : string.Join(Environment.NewLine, users.Select(u => $"{u.UserName}\t{u.DisplayName}\t{u.Role ?? "-"}\t{u.Status}")));
            case "add":
                return await accounts.AddAsync(command.Name, command.Option("--display-name"), command.Option("--role")!, password!, by);
            case "set-password":
                return await accounts.SetPasswordAsync(command.Name, password!, by);
            case "set-role":
                return await accounts.SetRoleAsync(command.Name, command.Role!, by);
            case "disable":
                return await accounts.DisableAsync(command.Name, by);
            default:
                return await accounts.EnableAsync(command.Name, by);
        }
    }

    private static async Task<AccountResult> MigrateAsync(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IDbContextFactory<CollabDbContext>>();
        int before, after;
        await using (var db = await factory.CreateDbContextAsync())
        {
            before = (await db.Database.GetAppliedMigrationsAsync()).Count();
        }

        await services.MigrateCollabDatabaseAsync();
        await using (var db = await factory.CreateDbContextAsync())
        {
            after = (await db.Database.GetAppliedMigrationsAsync()).Count();
        }

        return AccountResult.Done(after == before
            ? $"The database is up to date ({after} migrations)."
            : $"Applied {after - before} migration{(after - before == 1 ? "" : "s")}; the database is up to date ({after} migrations).");
    }
}

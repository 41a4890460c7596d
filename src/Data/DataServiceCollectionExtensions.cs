using CollabEditor.Core.Changes;
using CollabEditor.Data.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Lists;
using CollabEditor.Data.LocalPostgres;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Presence;
using CollabEditor.Data.Products;
using CollabEditor.Data.Startup;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CollabEditor.Data;

/// <summary>Registers the data layer and finds (or starts) the database.</summary>
public static class DataServiceCollectionExtensions
{
    /// <summary>The connection string name: ConnectionStrings:Collab, or ConnectionStrings__Collab in the environment.</summary>
    public const string ConnectionName = "Collab";

    /// <summary>Registers the DbContext factory and the stores for <paramref name="connectionString"/>.</summary>
    public static IServiceCollection AddCollabData(this IServiceCollection services, string connectionString)
    {
        // One pool for EF Core and for the hand-written statements (leases, order and product writes).
        services.AddSingleton(_ => NpgsqlDataSource.Create(PoolSettings(connectionString)));
        services.AddDbContextFactory<CollabDbContext>((sp, o) => o.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new CollabConnection(connectionString));
        services.AddSingleton<ProductStore>();
        services.AddSingleton<OrderStore>();
        services.AddSingleton<Customers.CustomerStore>();
        services.AddSingleton<Drafts.DraftStore>();
        services.AddSingleton<History.HistoryStore>();
        services.AddSingleton<ChangeFeed>();
        services.AddSingleton<ChangeLog>();
        services.AddSingleton<PresenceStore>();
        services.AddSingleton<LeaseStore>();
        services.AddSingleton<Records.RecordNameStore>();
        services.AddSettings<LeaseOptions>("Leases");
        services.AddSettings<PresenceOptions>("Presence");
        services.AddSettings<Core.Editing.EditingOptions>(Core.Editing.EditingOptions.Section);
        services.AddSettings<ChangeLogOptions>("Changes");
        services.AddSettings<ListOptions>(ListOptions.Section);
        services.AddSettings<DatabaseStartupOptions>(DatabaseStartupOptions.Section);
        return services;
    }

    /// <summary>
    /// The pool keeps its connections' server state between uses: no <c>DISCARD ALL</c> on return
    /// (Npgsql's default reset, which also throws away every plan the server cached for the triggers'
    /// statements, so each save planned them again) and automatic preparation of the statements the app
    /// repeats. Safe because nothing the app runs on a pooled connection leaves session state behind:
    /// settings are <c>set_config(…, true)</c> (transaction-local), the advisory locks on the write path
    /// are transaction-scoped, LISTEN has its own unpooled connection (<see cref="Changes.ChangeListener"/>),
    /// there are no temporary tables, and the one session-level lock (<see cref="Startup.StartupLock"/>)
    /// is unlocked before its connection goes back (or the pool is cleared). Either setting named in
    /// the connection string wins (e.g. <c>Max Auto Prepare=0</c> behind a pooler that cannot keep
    /// prepared statements).
    /// </summary>
    public static string PoolSettings(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var named = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!named.ContainsKey("No Reset On Close") && !named.ContainsKey("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        if (!named.ContainsKey("Max Auto Prepare") && !named.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 64;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// The background work of an app instance: the LISTEN connection feeding the change feed, and the
    /// presence sweeper.
    /// </summary>
    public static IServiceCollection AddCollabLiveChanges(this IServiceCollection services)
    {
        services.AddSingleton<ChangeListener>();
        services.AddHostedService(sp => sp.GetRequiredService<ChangeListener>());
        services.AddHostedService<PresenceSweeper>();
        services.AddHostedService<LeaseSweeper>();
        services.AddHostedService<ChangeLogPruner>();
        return services;
    }

    /// <summary>
    /// The configured connection string; when there is none, starts the private local cluster
    /// (DESIGN.md "Running it") and registers it to stop with the host.
    /// </summary>
    public static async Task<string> ResolveCollabDatabaseAsync(this IServiceCollection services, IConfiguration configuration, ILogger logger, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration.GetConnectionString(ConnectionName);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return WithPasswordFile(configured, configuration[PasswordFileSetting]);
        }

        var root = configuration["LocalPostgres:Directory"] ?? LocalPostgresCluster.DefaultRootDirectory();
        var cluster = await LocalPostgresCluster.StartAsync(root, logger, configuration["LocalPostgres:BinDirectory"], ct);
        services.AddSingleton(cluster);
        services.AddHostedService<LocalPostgresLifetime>();
        return await cluster.EnsureDatabaseAsync("collab", ct);
    }

    /// <summary>
    /// A file holding the database password (a Docker secret, /run/secrets/…), so the password is in
    /// neither the connection string nor the environment.
    /// </summary>
    public const string PasswordFileSetting = "Database:PasswordFile";

    private static string WithPasswordFile(string connectionString, string? passwordFile)
    {
        if (string.IsNullOrWhiteSpace(passwordFile))
        {
            return connectionString;
        }

        string password;
        try
        {
            // One line, as secret files are written; a trailing newline is not part of the password.
            password = File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"{PasswordFileSetting}: cannot read {passwordFile}: {ex.Message}", ex);
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { Password = password }.ConnectionString;
    }

    /// <summary>
    /// Applies pending migrations, one instance at a time: several instances may start together on an
    /// empty database, and the <c>migrate</c> verb may run beside them.
    /// </summary>
    /// <remarks>
    /// EF Core's own migration lock does not serialize whole runs (reproduced in MigrateTogetherTests:
    /// 16 of 40 instances failed with 42P07/42701). Npgsql's lock is <c>LOCK TABLE "__EFMigrationsHistory"</c>
    /// inside the migration transaction, and EF commits after each migration, releasing it; the list of
    /// pending migrations, though, is read once, under the first lock. So A applies the first migration
    /// and commits, B (waiting on the lock) reads "first applied" and applies the second, while A, which
    /// planned every migration, takes the lock again for its second migration once B commits and runs it
    /// again ("DataProtectionKeys … already exists"). Our own CREATE TABLE IF NOT EXISTS for the history
    /// table also raced (23505 on pg_type_typname_nsp_index: IF NOT EXISTS is not concurrency-safe in
    /// PostgreSQL). A session advisory lock around the whole run closes both.
    /// </remarks>
    public static async Task MigrateCollabDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        await using var startupLock = await StartupLock.AcquireAsync(services, ct);
        var factory = services.GetRequiredService<IDbContextFactory<CollabDbContext>>();
        await using var db = await factory.CreateDbContextAsync(ct);
        // EF reads the history table before creating it and logs the failure as an error on a new
        // database; creating it first (EF's own definition) keeps a first start free of alarming noise.
        await db.Database.ExecuteSqlRawAsync(
            """CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" ("MigrationId" character varying(150) NOT NULL PRIMARY KEY, "ProductVersion" character varying(32) NOT NULL)""", ct);
        await db.Database.MigrateAsync(ct);
    }

    /// <summary>
    /// For an instance that does not migrate at start: stops it with one clear line when the database
    /// lacks migrations this version needs, instead of failing on the first request.
    /// </summary>
    public static async Task EnsureCollabDatabaseMigratedAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        await using var db = await services.GetRequiredService<IDbContextFactory<CollabDbContext>>().CreateDbContextAsync(ct);
        // Asked only once the history table exists: EF logs a failed query as an error otherwise.
        var history = await db.Database.SqlQueryRaw<bool>("""SELECT to_regclass('"__EFMigrationsHistory"') IS NOT NULL AS "Value" """).SingleAsync(ct);
        var pending = (history ? await db.Database.GetPendingMigrationsAsync(ct) : db.Database.GetMigrations()).ToList();
        if (pending.Count > 0)
        {
            throw new StartupException(
                $"The database lacks {pending.Count} migration(s) this version needs ({string.Join(", ", pending)}) and Database:MigrateAtStart is false: " +
                "run the migrate command first (dotnet CollabEditor.WebApp.dll migrate), or set Database:MigrateAtStart=true.");
        }
    }

    /// <summary>Stops the local cluster after everything else has stopped (registered first, stopped last).</summary>
    private sealed class LocalPostgresLifetime(LocalPostgresCluster cluster) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => cluster.StopAsync();
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CollabEditor.Data.LocalPostgres;

/// <summary>
/// A private PostgreSQL cluster run from the binaries installed on the machine (initdb + pg_ctl),
/// listening on loopback only. Used when no connection string is configured, and by the tests.
/// </summary>
public sealed partial class LocalPostgresCluster : IAsyncDisposable
{
    private const string Superuser = "collab";
    private readonly string _binDirectory;
    private readonly string? _runAsUser;
    private readonly bool _throwaway;
    private readonly ILogger _logger;
    private int _stopped;

    private LocalPostgresCluster(string binDirectory, string? runAsUser, string rootDirectory, bool throwaway, ILogger logger)
    {
        _binDirectory = binDirectory;
        _runAsUser = runAsUser;
        RootDirectory = rootDirectory;
        _throwaway = throwaway;
        _logger = logger;
    }

    /// <summary>True when the server was already running (an app instance started it) and this process only connected to it.</summary>
    public bool Reused { get; private set; }

    /// <summary>The folder holding the cluster's data directory and its password file.</summary>
    public string RootDirectory { get; }

    /// <summary>The cluster's data directory (PGDATA).</summary>
    public string DataDirectory => Path.Combine(RootDirectory, "data");

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; private set; }

    /// <summary>A connection string for <paramref name="database"/> as the cluster's superuser.</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={Superuser};Password={ReadPassword()};Database={database}";

    /// <summary>
    /// The folder a developer's cluster keeps its data in between runs: under the user's data
    /// directory, or under /var/lib when running as root (root's home is closed to the
    /// unprivileged user the server must run as).
    /// </summary>
    public static string DefaultRootDirectory() =>
        IsRoot()
            ? "/var/lib/collabeditor/postgres"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "CollabEditor", "postgres");

    /// <summary>Starts (initializing first if needed) the cluster kept in <paramref name="rootDirectory"/>.</summary>
    public static Task<LocalPostgresCluster> StartAsync(string rootDirectory, ILogger? logger = null, string? binDirectory = null, CancellationToken cancellationToken = default) =>
        StartCoreAsync(rootDirectory, throwaway: false, logger ?? NullLogger.Instance, binDirectory, cancellationToken);

    /// <summary>Starts a fresh cluster with fast, non-durable settings that is deleted when disposed.</summary>
    public static async Task<LocalPostgresCluster> StartThrowawayAsync(ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        RemoveAbandonedThrowaways();
        var cluster = await StartCoreAsync(Path.Combine(Path.GetTempPath(), $"{ThrowawayPrefix}{Guid.NewGuid():N}"), throwaway: true, logger ?? NullLogger.Instance, null, cancellationToken);
        cluster.StartWatchdog();
        return cluster;
    }

    /// <summary>
    /// A test host can be ended before its clean-up code finishes. A detached shell waits for this
    /// process to go, however it goes, then stops the throwaway cluster and deletes it.
    /// </summary>
    private void StartWatchdog()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var stop = (_runAsUser is null ? string.Empty : $"runuser -u {_runAsUser} -- ") +
            $"{Quote(Path.Combine(_binDirectory, "pg_ctl"))} stop -D {Quote(DataDirectory)} -m immediate -w";
        var script = $"exec </dev/null >/dev/null 2>&1; while kill -0 {Environment.ProcessId}; do sleep 1; done; {stop}; rm -rf {Quote(RootDirectory)}";
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var arg in new[] { "sh", "-c", script })
        {
            info.ArgumentList.Add(arg);
        }

        using var watchdog = Process.Start(info);
    }

    private const string ThrowawayPrefix = "collab-pg-";

    /// <summary>
    /// A test process can be killed before its exit handler has deleted its cluster; clusters that
    /// are no longer running and are over an hour old are removed by the next one.
    /// </summary>
    private static void RemoveAbandonedThrowaways()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), ThrowawayPrefix + "*"))
        {
            try
            {
                var stopped = !File.Exists(Path.Combine(dir, "data", "postmaster.pid"));
                if (stopped && Directory.GetLastWriteTimeUtc(dir) < TimeProvider.System.GetUtcNow().UtcDateTime.AddHours(-1))
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Someone else's or in use: leave it.
            }
        }
    }

    private static async Task<LocalPostgresCluster> StartCoreAsync(string rootDirectory, bool throwaway, ILogger logger, string? binDirectory, CancellationToken ct)
    {
        var bin = binDirectory is not null && HasServerPrograms(binDirectory) ? binDirectory
            : binDirectory is null ? FindBinDirectory() : null;
        _ = bin ?? throw new LocalPostgresUnavailableException(
                "No connection string is configured and the PostgreSQL server programs (initdb, pg_ctl) were not found " +
                "on PATH or under /usr/lib/postgresql/*/bin. Install them (Debian/Ubuntu: sudo apt-get install postgresql) " +
                "or point the app at a server with the setting ConnectionStrings:Collab (environment variable ConnectionStrings__Collab).");
        var runAs = IsRoot() ? await FindUnprivilegedUserAsync(ct) : null;
        var cluster = new LocalPostgresCluster(bin!, runAs, rootDirectory, throwaway, logger);
        await cluster.EnsureInitializedAsync(ct);
        await cluster.EnsureRunningAsync(ct);
        return cluster;
    }

    /// <summary>Creates <paramref name="database"/> unless it exists, and returns its connection string.</summary>
    public async Task<string> EnsureDatabaseAsync(string database, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database } } };
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
        }

        return ConnectionString(database);
    }

    /// <summary>Stops the server (fast shutdown); a throwaway cluster's files are deleted too.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            await RunAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", _throwaway ? "immediate" : "fast", "-w", "-t", "60"], CancellationToken.None, throwOnError: false);
        }

        if (_throwaway)
        {
            // The server's last processes can still be closing files for a moment after pg_ctl returns.
            for (var attempt = 1; Directory.Exists(RootDirectory); attempt++)
            {
                try
                {
                    Directory.Delete(RootDirectory, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    if (attempt == 20)
                    {
                        LogDeleteFailed(_logger, ex, RootDirectory);
                        break;
                    }

                    await Task.Delay(100);
                }
            }
        }
    }

    /// <summary>
    /// Restarts the server on the same port (fast shutdown: open sessions are ended, in-flight
    /// transactions roll back). Used by the fault tests.
    /// </summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _stopped) == 1, this);

        // The log file matters: without one the server would inherit pg_ctl's redirected output,
        // and reading it to the end would wait for the server to exit.
        await RunAsync("pg_ctl",
            ["restart", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "-l", Path.Combine(DataDirectory, "server.log"), "-o", $"-p {Port}"],
            ct);
        LogRestarted(_logger, Port);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task EnsureInitializedAsync(CancellationToken ct)
    {
        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            return;
        }

        LogCreating(_logger, DataDirectory);
        Directory.CreateDirectory(RootDirectory);
        if (Directory.Exists(DataDirectory))
        {
            // Left over from an initdb that did not finish.
            Directory.Delete(DataDirectory, recursive: true);
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var passwordFile = Path.Combine(RootDirectory, "password");
        await File.WriteAllTextAsync(passwordFile, password, ct);
        OwnerOnly(passwordFile);

        // initdb reads the password from a file the server's user can read; it is removed right after.
        var initPasswordFile = Path.Combine(Path.GetTempPath(), $"collab-pw-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(initPasswordFile, password, ct);
        try
        {
            OwnerOnly(initPasswordFile);
            Directory.CreateDirectory(DataDirectory);
            if (_runAsUser is not null)
            {
                await ChownAsync(_runAsUser, initPasswordFile, ct);
                await ChownAsync(_runAsUser, DataDirectory, ct);
            }

            await RunAsync("initdb", ["-D", DataDirectory, "-U", Superuser, "--pwfile", initPasswordFile, "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-instructions"], ct);
        }
        finally
        {
            File.Delete(initPasswordFile);
        }

        var settings = new List<string>
        {
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "max_connections = 300",
            "shared_buffers = '128MB'",
        };
        if (_throwaway)
        {
            // Tests need speed, not durability: the cluster is deleted afterwards.
            settings.AddRange(["fsync = off", "synchronous_commit = off", "full_page_writes = off"]);
        }

        await AppendAsUserAsync(Path.Combine(DataDirectory, "postgresql.conf"), "\n# CollabEditor local cluster\n" + string.Join('\n', settings) + "\n", ct);
    }

    private async Task EnsureRunningAsync(CancellationToken ct)
    {
        var running = await ReadRunningPortAsync(ct);
        if (running is int port)
        {
            Port = port;
            Reused = true;
            LogReusing(_logger, Port);
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            Port = FreeLoopbackPort();
            var result = await RunAsync("pg_ctl",
                ["start", "-D", DataDirectory, "-w", "-t", "60", "-l", Path.Combine(DataDirectory, "server.log"), "-o", $"-p {Port}"],
                ct, throwOnError: attempt >= 3);
            if (result == 0)
            {
                LogStarted(_logger, Port, DataDirectory);
                return;
            }
        }
    }

    private async Task<int?> ReadRunningPortAsync(CancellationToken ct)
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile) || await RunAsync("pg_ctl", ["status", "-D", DataDirectory], ct, throwOnError: false) != 0)
        {
            return null;
        }

        // postmaster.pid: line 4 is the port (PostgreSQL docs, "Database File Layout").
        var lines = await File.ReadAllLinesAsync(pidFile, ct);
        return lines.Length > 3 && int.TryParse(lines[3], out var port) ? port : null;
    }

    private string ReadPassword() => File.ReadAllText(Path.Combine(RootDirectory, "password")).Trim();

    private async Task AppendAsUserAsync(string file, string text, CancellationToken ct)
    {
        await File.AppendAllTextAsync(file, text, ct);
        if (_runAsUser is not null)
        {
            await ChownAsync(_runAsUser, file, ct);
        }
    }

    private static async Task ChownAsync(string user, string path, CancellationToken ct) =>
        await RunProcessAsync("chown", ["-R", user, path], throwOnError: true, NullLogger.Instance, ct);

    private Task<int> RunAsync(string program, IReadOnlyList<string> args, CancellationToken ct, bool throwOnError = true)
    {
        var exe = Path.Combine(_binDirectory, program);
        return _runAsUser is null
            ? RunProcessAsync(exe, args, throwOnError, _logger, ct)
            : RunProcessAsync("runuser", ["-u", _runAsUser, "--", exe, .. args], throwOnError, _logger, ct);
    }

    private static async Task<int> RunProcessAsync(string fileName, IReadOnlyList<string> args, bool throwOnError, ILogger logger, CancellationToken ct)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The server's user must be able to stand in its working directory.
            WorkingDirectory = "/",
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new LocalPostgresUnavailableException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var output = (await stdout + await stderr).Trim();
        if (process.ExitCode != 0 && throwOnError)
        {
            throw new LocalPostgresUnavailableException($"{Path.GetFileName(fileName)} {string.Join(' ', args)} failed (exit {process.ExitCode}): {output}");
        }

        LogProcess(logger, fileName, process.ExitCode, output);
        return process.ExitCode;
    }

    private static bool HasServerPrograms(string dir) => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));

    /// <summary>Finds initdb and pg_ctl: on PATH first, then the newest /usr/lib/postgresql/N/bin.</summary>
    public static string? FindBinDirectory()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(HasServerPrograms);
        if (onPath is not null)
        {
            return onPath;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot))
        {
            return null;
        }

        return Directory.EnumerateDirectories(debianRoot)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(x => x.Version >= 15 && HasServerPrograms(x.Dir))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Dir)
            .FirstOrDefault();
    }

    private static async Task<string> FindUnprivilegedUserAsync(CancellationToken ct)
    {
        // initdb refuses to run as root, so the server runs as the postgres system user.
        if (await RunProcessAsync("id", ["-u", "postgres"], throwOnError: false, NullLogger.Instance, ct) == 0)
        {
            return "postgres";
        }

        throw new LocalPostgresUnavailableException(
            "The app runs as root, and PostgreSQL refuses to run as root, but there is no 'postgres' system user to run it as. " +
            "Install the PostgreSQL server package (which creates that user), run the app as a normal user, or set ConnectionStrings__Collab.");
    }

    private static void OwnerOnly(string file)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsRoot() => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? GetEffectiveUserId() == 0 : false;

    [LoggerMessage(Level = LogLevel.Information, Message = "Creating a local PostgreSQL cluster in {Directory}")]
    private static partial void LogCreating(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Using the local PostgreSQL cluster already running on 127.0.0.1:{Port}")]
    private static partial void LogReusing(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Started the local PostgreSQL cluster on 127.0.0.1:{Port} ({Directory})")]
    private static partial void LogStarted(ILogger logger, int port, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restarted the local PostgreSQL cluster on 127.0.0.1:{Port}")]
    private static partial void LogRestarted(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete throwaway cluster {Directory}")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string directory);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Program} exited {Code}: {Output}")]
    private static partial void LogProcess(ILogger logger, string program, int code, string output);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}

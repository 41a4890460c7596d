using System.Diagnostics;
using CollabEditor.Data.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CollabEditor.Data.Startup;

/// <summary>
/// Waits at start for a database that is not up yet (a container starting beside the app, a server
/// restarting): tries with exponential backoff, logging each try, until Database:StartupTimeout.
/// A fault that waiting cannot cure (a wrong password, a missing database) ends the wait at once.
/// </summary>
public static partial class DatabaseWait
{
    /// <summary>Returns once a connection opens and answers; throws <see cref="StartupException"/> once the time is up.</summary>
    public static async Task WaitForCollabDatabaseAsync(this IServiceProvider services, ILogger logger, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        var timeout = services.GetRequiredService<IOptions<DatabaseStartupOptions>>().Value.StartupTimeout;
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        var builder = new ResiliencePipelineBuilder();
        if (timeout > TimeSpan.Zero)
        {
            builder.AddTimeout(timeout).AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(TransientRetry.IsTransient),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(250),
                MaxDelay = TimeSpan.FromSeconds(2),
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    last = args.Outcome.Exception;
                    LogWaiting(logger, args.AttemptNumber + 1, clock.Elapsed.TotalSeconds, timeout.TotalSeconds, OneLine(last), args.RetryDelay.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            });
        }

        try
        {
            await builder.Build().ExecuteAsync(async token =>
            {
                await using var connection = await dataSource.OpenConnectionAsync(token);
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(token);
            }, ct);
        }
        catch (Exception ex) when (ex is TimeoutRejectedException || (TransientRetry.IsTransient(ex) && !ct.IsCancellationRequested))
        {
            throw new StartupException(
                $"The database did not answer within {timeout.TotalSeconds:0.#} s (Database:StartupTimeout); last error: {OneLine(last ?? ex)}", ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or ArgumentException)
        {
            // Not something waiting cures: wrong credentials, no such database, a malformed connection string.
            throw new StartupException($"The database refused the connection (ConnectionStrings:Collab): {OneLine(ex)}", ex);
        }

        if (clock.Elapsed > TimeSpan.FromSeconds(1))
        {
            LogReady(logger, clock.Elapsed.TotalSeconds);
        }
    }

    /// <summary>An exception's message and its inner causes on one line.</summary>
    public static string OneLine(Exception? ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is OperationCanceledException or TimeoutRejectedException)
            {
                // The wait's own deadline cutting the last try short: the timeout is said already.
                continue;
            }

            var message = e.Message.ReplaceLineEndings(" ").Trim();
            if (message.Length > 0 && !parts.Exists(p => p.Contains(message, StringComparison.Ordinal)))
            {
                parts.Add(message);
            }
        }

        return string.Join(" ", parts.Select(p => p.EndsWith('.') ? p : p + "."));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database not reachable yet (try {Attempt}, {Elapsed:0.0} s of {Timeout:0} s): {Reason} Next try in {Delay:0.0} s.")]
    private static partial void LogWaiting(ILogger logger, int attempt, double elapsed, double timeout, string reason, double delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database reachable after {Elapsed:0.0} s.")]
    private static partial void LogReady(ILogger logger, double elapsed);
}

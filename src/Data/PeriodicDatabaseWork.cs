using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CollabEditor.Data;

/// <summary>
/// Work every instance does now and then against the database (sweeps, pruning): on each tick of
/// <paramref name="every"/>; while the database is away a tick fails quietly and the next one tries again.
/// </summary>
public abstract partial class PeriodicDatabaseWork(TimeSpan every, TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>What to call the work in the log ("Lease sweep").</summary>
    protected abstract string Name { get; }

    /// <summary>One round of the work.</summary>
    protected abstract Task RunOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(every, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                LogFailed(logger, Name, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Work} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string work, string reason);
}

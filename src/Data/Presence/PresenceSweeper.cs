using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CollabEditor.Data.Presence;

/// <summary>Every instance sweeps stale presence rows now and then, so a dead instance's viewers disappear.</summary>
public sealed partial class PresenceSweeper(PresenceStore store, IOptions<PresenceOptions> options, TimeProvider time, ILogger<PresenceSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatEvery, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await store.SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // The database is away; the next tick tries again.
                LogSweepFailed(logger, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Presence sweep failed: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CollabEditor.Data.Changes;

/// <summary>Prunes the change log past its retention (every instance does; the delete is idempotent).</summary>
public sealed partial class ChangeLogPruner(ChangeLog log, IOptions<ChangeLogOptions> options, TimeProvider time, ILogger<ChangeLogPruner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneEvery, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var pruned = await log.PruneAsync(stoppingToken);
                if (pruned > 0)
                {
                    LogPruned(logger, pruned);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                LogPruneFailed(logger, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pruned {Count} changes past the change log's retention")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Change log prune failed: {Reason}")]
    private static partial void LogPruneFailed(ILogger logger, string reason);
}

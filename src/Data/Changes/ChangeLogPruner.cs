using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CollabEditor.Data.Changes;

/// <summary>Prunes the change log past its retention (every instance does; the delete is idempotent).</summary>
public sealed partial class ChangeLogPruner(ChangeLog log, IOptions<ChangeLogOptions> options, TimeProvider time, ILogger<ChangeLogPruner> logger)
    : PeriodicDatabaseWork(options.Value.PruneEvery, time, logger)
{
    protected override string Name => "Change log prune";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var pruned = await log.PruneAsync(ct);
        if (pruned > 0)
        {
            LogPruned(logger, pruned);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pruned {Count} changes past the change log's retention")]
    private static partial void LogPruned(ILogger logger, int count);
}

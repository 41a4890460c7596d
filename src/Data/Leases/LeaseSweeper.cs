using CollabEditor.Core.Leases;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CollabEditor.Data.Leases;

/// <summary>Deletes expired leases now and then and records them as expired (every instance; the DELETE is idempotent).</summary>
public sealed partial class LeaseSweeper(LeaseStore leases, IOptions<LeaseOptions> options, TimeProvider time, ILogger<LeaseSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepEvery, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await leases.SweepExpiredAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                LogSweepFailed(logger, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lease sweep failed: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}

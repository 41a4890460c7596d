using CollabEditor.Core.Leases;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CollabEditor.Data.Leases;

/// <summary>Deletes expired leases now and then and records them as expired (every instance; the DELETE is idempotent).</summary>
public sealed class LeaseSweeper(LeaseStore leases, IOptions<LeaseOptions> options, TimeProvider time, ILogger<LeaseSweeper> logger)
    : PeriodicDatabaseWork(options.Value.SweepEvery, time, logger)
{
    protected override string Name => "Lease sweep";

    protected override Task RunOnceAsync(CancellationToken ct) => leases.SweepExpiredAsync(ct);
}

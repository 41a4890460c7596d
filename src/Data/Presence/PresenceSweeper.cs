using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CollabEditor.Data.Presence;

/// <summary>Every instance sweeps stale presence rows now and then, so a dead instance's viewers disappear.</summary>
public sealed class PresenceSweeper(PresenceStore store, IOptions<PresenceOptions> options, TimeProvider time, ILogger<PresenceSweeper> logger)
    : PeriodicDatabaseWork(options.Value.HeartbeatEvery, time, logger)
{
    protected override string Name => "Presence sweep";

    protected override Task RunOnceAsync(CancellationToken ct) => store.SweepAsync(ct);
}

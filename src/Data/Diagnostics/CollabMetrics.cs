using System.Diagnostics.Metrics;

namespace CollabEditor.Data.Diagnostics;

/// <summary>
/// The app's metrics (System.Diagnostics.Metrics; read them with OpenTelemetry or dotnet-counters,
/// meter "CollabEditor"): conflicts, merges, lease grants/denials/expiries/force-releases, save
/// latency, live-event lag, hub send delay, and transient-fault retries.
/// </summary>
public static class CollabMetrics
{
    public const string MeterName = "CollabEditor";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> Conflicts = Meter.CreateCounter<long>("collab.conflicts", description: "Saves refused because someone else saved first.");
    public static readonly Counter<long> Merges = Meter.CreateCounter<long>("collab.merges", description: "Merged records the user chose to save from the conflict dialog.");
    public static readonly Counter<long> LeaseGrants = Meter.CreateCounter<long>("collab.lease.grants");
    public static readonly Counter<long> LeaseDenials = Meter.CreateCounter<long>("collab.lease.denials");
    public static readonly Counter<long> LeaseExpiries = Meter.CreateCounter<long>("collab.lease.expiries");
    public static readonly Counter<long> LeaseForceReleases = Meter.CreateCounter<long>("collab.lease.force_releases");
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("collab.db.retries", description: "Units of work retried after a transient database fault.");
    public static readonly Histogram<double> SaveLatency = Meter.CreateHistogram<double>("collab.save.duration", unit: "ms", description: "Time to run a save, including retries.");
    public static readonly Histogram<double> HubSendDelay = Meter.CreateHistogram<double>("collab.hub.send_delay", unit: "ms", description: "From the change feed handing a change to the hub's broadcaster to its write to one connection completing (one value per connection).");
    public static readonly Histogram<double> LiveEventLag = Meter.CreateHistogram<double>("collab.live.lag", unit: "ms", description: "From the trigger raising a change to this instance receiving it.");

    public static KeyValuePair<string, object?> Kind(string kind) => new("kind", kind);
}

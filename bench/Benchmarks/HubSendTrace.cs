using System.Diagnostics.Metrics;
using CollabEditor.Data.Diagnostics;

namespace CollabEditor.Benchmarks;

/// <summary>
/// For live-latency's <c>trace</c> option: collects the app's <c>collab.hub.send_delay</c> metric (from
/// the feed handing a change to the hub's broadcaster to its write to one connection completing), so
/// the fan-out's share of the latency can be told from the socket's and the client process's.
/// </summary>
internal sealed class HubSendTrace : IDisposable
{
    private readonly MeterListener _listener = new();
    private double[] _values = new double[1 << 21];
    private int _count;

    public HubSendTrace()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CollabMetrics.MeterName && instrument.Name == "collab.hub.send_delay")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            var i = Interlocked.Increment(ref _count) - 1;
            var values = _values;
            if (i < values.Length)
            {
                values[i] = value;
            }
        });
        _listener.Start();
    }

    /// <summary>Starts a new round.</summary>
    public void Reset()
    {
        _values = new double[_values.Length];
        Volatile.Write(ref _count, 0);
    }

    public string Summary()
    {
        var n = Math.Min(Volatile.Read(ref _count), _values.Length);
        var sorted = _values[..n].Order().ToArray();
        return $"hub send delay (feed to write done, per connection) ms: p50 {LiveLatencyClients.Percentile(sorted, 0.5):F1}  p99 {LiveLatencyClients.Percentile(sorted, 0.99):F1}  max {(n == 0 ? double.NaN : sorted[^1]):F1} ({n} writes)";
    }

    public void Dispose() => _listener.Dispose();
}

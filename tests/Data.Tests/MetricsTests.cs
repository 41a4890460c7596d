using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CollabEditor.Core.Leases;
using CollabEditor.Data.Diagnostics;
using CollabEditor.Data.Leases;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.Data.Tests;

/// <summary>The meter reports what happens. Instruments are process-wide, so counts are "at least".</summary>
public sealed class MetricsTests : DataTest, IDisposable
{
    private readonly ConcurrentDictionary<string, double> _totals = new();
    private readonly MeterListener _listener = new();

    public MetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CollabMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, _, _) => _totals.AddOrUpdate(i.Name, value, (_, t) => t + value));
        _listener.SetMeasurementEventCallback<double>((i, _, _, _) => _totals.AddOrUpdate(i.Name, 1, (_, t) => t + 1));
        _listener.Start();
    }

    private double Total(string name) => _totals.GetValueOrDefault(name);

    [Fact]
    public async Task ConflictsSavesAndLeaseDecisions_AreCounted()
    {
        var p = await CreateAsync();
        await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 2 }, Bob);
        Assert.IsType<SaveResult.Conflict>(await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 3 }, Alice));

        var leases = Services.GetRequiredService<LeaseStore>();
        Assert.IsType<AcquireResult.Granted>(await leases.AcquireAsync($"product/{p.Id}", Alice, "tab-1"));
        Assert.IsType<AcquireResult.Denied>(await leases.AcquireAsync($"product/{p.Id}", Bob, "tab-2"));
        await leases.ForceReleaseAsync($"product/{p.Id}", new Core.Users.Actor("admin", "Admin", IsAdmin: true), "metrics test");

        Assert.True(Total("collab.conflicts") >= 1);
        Assert.True(Total("collab.save.duration") >= 3);
        Assert.True(Total("collab.lease.grants") >= 1);
        Assert.True(Total("collab.lease.denials") >= 1);
        Assert.True(Total("collab.lease.force_releases") >= 1);
    }

    public void Dispose() => _listener.Dispose();
}

using CollabEditor.Data.Diagnostics;
using CollabEditor.WebApp.Operations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace CollabEditor.WebApp.Tests;

/// <summary>The OpenTelemetry wiring: the app's meter reaches an exporter, and OTLP is on only when configured.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public void CollabMeters_ReachAnOpenTelemetryExporter()
    {
        var exported = new List<Metric>();
        using var provider = Sdk.CreateMeterProviderBuilder().AddCollabMeters().AddInMemoryExporter(exported).Build();

        CollabMetrics.Conflicts.Add(1, CollabMetrics.Kind("product"));
        CollabMetrics.SaveLatency.Record(12.5, CollabMetrics.Kind("product"), new("operation", "update"), new("outcome", "Saved"));
        provider.ForceFlush();

        var conflicts = Assert.Single(exported, m => m.Name == "collab.conflicts");
        var total = 0L;
        foreach (ref readonly var point in conflicts.GetMetricPoints())
        {
            total += point.GetSumLong();
        }

        Assert.True(total >= 1, $"collab.conflicts exported {total}");
        var latency = Assert.Single(exported, m => m.Name == "collab.save.duration");
        Assert.Equal("ms", latency.Unit);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("http://collector:4317", true)]
    public void Otlp_IsWiredOnlyWhenAnEndpointIsConfigured(string? endpoint, bool wired)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint }).Build();
        var services = new ServiceCollection();

        services.AddCollabTelemetry(configuration);

        using var provider = services.BuildServiceProvider();
        Assert.Equal(wired, provider.GetService<MeterProvider>() is not null);
    }
}

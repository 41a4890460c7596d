using CollabEditor.Data.Diagnostics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace CollabEditor.WebApp.Operations;

/// <summary>
/// Metrics export with OpenTelemetry: the app's own meter (conflicts, merges, leases, save latency,
/// live-event lag, retries) and the framework's built-in ones (HTTP server, Kestrel, Blazor circuits,
/// SignalR, the .NET runtime, Npgsql). Exported over OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (with the other <c>OTEL_*</c> variables the exporter
/// reads); without it no SDK runs and the meters cost nothing but their instruments.
/// </summary>
public static class Telemetry
{
    public const string ServiceName = "CollabEditor";

    /// <summary>Every meter exported.</summary>
    public static IReadOnlyList<string> Meters { get; } =
    [
        CollabMetrics.MeterName,
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Components",
        "Microsoft.AspNetCore.Components.Server.Circuits",
        "Microsoft.AspNetCore.Http.Connections",
        "System.Runtime",
        "Npgsql",
    ];

    /// <summary>Subscribes <paramref name="metrics"/> to every meter above.</summary>
    public static MeterProviderBuilder AddCollabMeters(this MeterProviderBuilder metrics) => metrics.AddMeter([.. Meters]);

    public static IServiceCollection AddCollabTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithMetrics(m => m.AddCollabMeters().AddOtlpExporter());
        return services;
    }
}

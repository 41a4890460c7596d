using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace CollabEditor.WebApp.Operations;

/// <summary>
/// Liveness at <c>/health</c> (the process answers; no dependency is touched, so a database outage
/// never gets healthy instances restarted) and readiness at <c>/health/ready</c> (database and change
/// listener; 503 when either fails). Both are anonymous: probes carry no credentials.
/// </summary>
public static class HealthEndpoints
{
    public const string LivePath = "/health";
    public const string ReadyPath = "/health/ready";
    private const string ReadyTag = "ready";

    public static IServiceCollection AddCollabHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            // A probe must answer well within a load balancer's interval, even when the database hangs.
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5))
            .AddCheck<ChangeListenerHealthCheck>("change-listener", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapCollabHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        // Unhealthy → 503 is the default mapping; the body is only the overall status, never exception text.
        endpoints.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) }).AllowAnonymous();
        return endpoints;
    }
}

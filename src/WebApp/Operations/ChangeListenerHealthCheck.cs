using CollabEditor.Data.Changes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CollabEditor.WebApp.Operations;

/// <summary>
/// Ready only while this instance's LISTEN connection is up: without it the pages it serves would
/// miss other people's changes, so a load balancer should send new users elsewhere until it reconnects.
/// </summary>
public sealed class ChangeListenerHealthCheck(ChangeListener listener) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.FromResult(listener.IsListening
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(context.Registration.FailureStatus, "The change listener is not connected (live updates paused)."));
    }
}

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace CollabEditor.WebApp.Operations;

/// <summary>Ready only when PostgreSQL answers a trivial query through the app's own connection pool.</summary>
public sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            // The same pool the stores use: a pool that cannot hand out a connection is not ready either.
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (NpgsqlException ex)
        {
            // Only the word reaches the anonymous endpoint; the exception goes to the health-check log.
            return new HealthCheckResult(context.Registration.FailureStatus, "The database does not answer.", ex);
        }
    }
}

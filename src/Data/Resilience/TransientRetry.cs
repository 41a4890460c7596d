using System.Net.Sockets;
using CollabEditor.Data.Diagnostics;
using Npgsql;
using Polly;
using Polly.Retry;

namespace CollabEditor.Data.Resilience;

/// <summary>
/// Retries a whole unit of work after a transient database fault (a restart, a killed connection),
/// with exponential backoff and jitter, capped (DESIGN.md "Failures and bad input"). Only faults are
/// retried: a conflict, a lease denial or a validation error is a result, never an exception here.
/// Units of work must be safe to run again: saves carry a save id so a retry recognizes a commit
/// whose acknowledgement was lost.
/// </summary>
public static class TransientRetry
{
    public static ResiliencePipeline Pipeline { get; } = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(2),
            // About 12 s in all: long enough for a database restart.
            MaxRetryAttempts = 10,
            OnRetry = _ =>
            {
                CollabMetrics.Retries.Add(1);
                return ValueTask.CompletedTask;
            },
        })
        .Build();

    /// <summary>True for faults worth retrying: Npgsql's own verdict, plus broken and timed-out connections.</summary>
    public static bool IsTransient(Exception ex) => ex switch
    {
        OperationCanceledException => false,
        NpgsqlException n when n.IsTransient => true,
        // Server shutting down, connection lost mid-statement, too many clients while it restarts.
        PostgresException p => p.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections or "08000" or "08003" or "08006",
        NpgsqlException { InnerException: IOException or SocketException or TimeoutException } => true,
        InvalidOperationException { InnerException: { } inner } => IsTransient(inner),
        _ => false,
    };
}

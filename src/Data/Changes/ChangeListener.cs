using System.Net.Sockets;
using System.Text.Json;
using CollabEditor.Core.Changes;
using CollabEditor.Data.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Polly.Retry;

namespace CollabEditor.Data.Changes;

/// <summary>
/// Holds this instance's one LISTEN connection and publishes every notification to the
/// <see cref="ChangeFeed"/>. When the connection drops it reconnects with exponential backoff and
/// jitter, then publishes a resync: whatever was announced meanwhile is gone (DESIGN.md "Live changes").
/// </summary>
public sealed partial class ChangeListener(CollabConnection connection, ChangeFeed feed, TimeProvider time, ILogger<ChangeListener> logger) : BackgroundService
{
    /// <summary>The NOTIFY channel the triggers write to.</summary>
    public const string Channel = "collab_changes";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TaskCompletionSource _firstListen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile NpgsqlConnection? _current;

    /// <summary>True while the LISTEN connection is up (for readiness checks).</summary>
    public bool IsListening { get; private set; }

    /// <summary>How many times the connection has been re-established after a drop.</summary>
    public int Reconnects { get; private set; }

    /// <summary>The backend process id of the LISTEN connection (tests terminate it on purpose).</summary>
    public int? BackendProcessId => _current?.ProcessID;

    /// <summary>Completes once the first LISTEN is in place.</summary>
    public Task Listening => _firstListen.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reconnect = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>().Handle<SocketException>().Handle<IOException>().Handle<TimeoutException>(),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(5),
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    LogRetry(logger, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await reconnect.ExecuteAsync(async ct => await ListenAsync(ct), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            finally
            {
                IsListening = false;
            }
        }
    }

    /// <summary>Opens, listens, and waits for notifications until the connection breaks.</summary>
    private async Task ListenAsync(CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connection.ConnectionString)
        {
            // A dedicated, unpooled connection; keepalives notice a dead peer while idle.
            Pooling = false,
            KeepAlive = 5,
            ApplicationName = "collab-listener",
        };
        await using var conn = new NpgsqlConnection(builder.ConnectionString);
        conn.Notification += (_, e) => OnNotification(e.Payload);
        await conn.OpenAsync(ct);
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", conn))
        {
            await listen.ExecuteNonQueryAsync(ct);
        }

        _current = conn;
        IsListening = true;
        if (_firstListen.Task.IsCompleted)
        {
            Reconnects++;
            LogReconnected(logger);
            feed.Publish(ChangeEvent.Resync);
        }

        _firstListen.TrySetResult();
        try
        {
            while (true)
            {
                await conn.WaitAsync(ct);
            }
        }
        finally
        {
            _current = null;
            IsListening = false;
        }
    }

    private void OnNotification(string payload)
    {
        try
        {
            var change = JsonSerializer.Deserialize<ChangeEvent>(payload, Json);
            if (change is not null)
            {
                if (JsonSerializer.Deserialize<RaisedAt>(payload, Json) is { At: > 0 } raised)
                {
                    CollabMetrics.LiveEventLag.Record(time.GetUtcNow().ToUnixTimeMilliseconds() - raised.At);
                }

                feed.Publish(change);
            }
        }
        catch (JsonException ex)
        {
            LogBadPayload(logger, ex, payload);
        }
    }

    /// <summary>When the trigger raised the event (database clock, ms since the epoch); for the lag metric only.</summary>
    private sealed record RaisedAt(long At);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change listener connection lost; reconnect attempt {Attempt} in {Delay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, TimeSpan delay, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Change listener reconnected; published a resync")]
    private static partial void LogReconnected(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a change notification that is not a change event: {Payload}")]
    private static partial void LogBadPayload(ILogger logger, Exception exception, string payload);
}

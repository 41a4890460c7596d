using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using CollabEditor.Core.Changes;
using CollabEditor.Data.Diagnostics;
using CollabEditor.Data.Resilience;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Polly.Retry;

namespace CollabEditor.Data.Changes;

/// <summary>
/// Holds this instance's one LISTEN connection and publishes every notification to the
/// <see cref="ChangeFeed"/>, in commit order, each positioned change exactly once. When the connection
/// drops it reconnects with exponential backoff and jitter (starting again from the shortest delay
/// once a connection has been healthy for a while), then replays from the <see cref="ChangeLog"/>
/// what was committed meanwhile; only when the log cannot cover the gap does it publish a resync
/// (DESIGN.md "Live changes").
/// </summary>
public sealed partial class ChangeListener(
    CollabConnection connection, ChangeFeed feed, ChangeLog log, IOptions<ChangeLogOptions> options, TimeProvider time, ILogger<ChangeListener> logger) : BackgroundService
{
    /// <summary>The NOTIFY channel the triggers write to.</summary>
    public const string Channel = "collab_changes";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TaskCompletionSource _firstListen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<long> _start = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<string?> _inbox = System.Threading.Channels.Channel.CreateUnbounded<string?>(new() { SingleReader = true });
    private volatile NpgsqlConnection? _current;
    private long _position = -1;
    private bool _listenedBefore;

    /// <summary>True while the LISTEN connection is up (for readiness checks).</summary>
    public bool IsListening { get; private set; }

    /// <summary>How many times the connection has been re-established after a drop.</summary>
    public int Reconnects { get; private set; }

    /// <summary>
    /// The retry number of the latest reconnect: 1 for the first retry after a drop, growing while the
    /// database stays away; 0 when the drop came after a healthy period (reconnected at once).
    /// </summary>
    public int LastReconnectAttempt { get; private set; }

    /// <summary>The backend process id of the LISTEN connection (tests terminate it on purpose).</summary>
    public int? BackendProcessId => _current?.ProcessID;

    /// <summary>The position of the latest change published to the feed (what a hub join starts from).</summary>
    public long Position => Math.Max(0, Interlocked.Read(ref _position));

    /// <summary>Completes once the first LISTEN is in place and the feed is positioned.</summary>
    public Task Listening => _firstListen.Task;

    /// <summary>
    /// The position the feed started from: every change after it is published, in order (or stood
    /// for by a resync carrying the position it skipped to).
    /// </summary>
    public Task<long> StartPosition => _start.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reconnect = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsConnectionFault),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(5),
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    LastReconnectAttempt = args.AttemptNumber + 1;
                    LogRetry(logger, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        var pump = PumpAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Returns when a healthy connection dropped: the next outage starts a fresh backoff.
                await reconnect.ExecuteAsync(async ct => await ListenAsync(ct), stoppingToken);
                LastReconnectAttempt = 0;
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

        _inbox.Writer.TryComplete();
        try
        {
            await pump;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private static bool IsConnectionFault(Exception ex) => ex is NpgsqlException or SocketException or IOException or TimeoutException;

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
        conn.Notification += (_, e) => _inbox.Writer.TryWrite(e.Payload);
        await conn.OpenAsync(ct);
        if (!_listenedBefore)
        {
            // Positioned before LISTEN: the catch-up below publishes whatever commits in between
            // (also when this first LISTEN fails and a later attempt succeeds).
            var head = await log.HeadAsync(ct);
            Interlocked.Exchange(ref _position, head);
            _start.TrySetResult(head);
            _listenedBefore = true;
        }

        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", conn))
        {
            await listen.ExecuteNonQueryAsync(ct);
        }

        _current = conn;
        IsListening = true;
        var up = time.GetTimestamp();
        // Null asks the pump to catch up from the log (after a drop: everything missed meanwhile).
        _inbox.Writer.TryWrite(null);
        try
        {
            while (true)
            {
                await conn.WaitAsync(ct);
            }
        }
        catch (Exception ex) when (IsConnectionFault(ex) && time.GetElapsedTime(up) >= options.Value.ListenerHealthyAfter)
        {
            LogDropped(logger, ex.Message);
        }
        finally
        {
            _current = null;
            IsListening = false;
        }
    }

    /// <summary>The one reader of the inbox: publishes in order, fills gaps from the log, skips what it has published.</summary>
    private async Task PumpAsync(CancellationToken ct)
    {
        var caughtUpOnce = false;
        await foreach (var payload in _inbox.Reader.ReadAllAsync(ct))
        {
            ChangeEvent? change = null;
            try
            {
                if (payload is null)
                {
                    try
                    {
                        // A read cut off by the same fault that dropped the connection is tried again
                        // (a resync only when the log stays unreadable).
                        await CatchUpAsync(await TransientRetry.Pipeline.ExecuteAsync(async token => await log.HeadAsync(token), ct), ct);
                    }
                    finally
                    {
                        if (caughtUpOnce)
                        {
                            Reconnects++;
                            LogReconnected(logger);
                            // Presence is not kept: tell every page to look again.
                            feed.Publish(ChangeEvent.PresenceResync);
                        }

                        caughtUpOnce = true;
                        _firstListen.TrySetResult();
                    }
                }
                else if ((change = Parse(payload)) is not null)
                {
                    if (change.Position == 0)
                    {
                        feed.Publish(change);
                    }
                    else if (change.Position > Interlocked.Read(ref _position))
                    {
                        // Lower positions are final once this one is visible: fill any gap from the log.
                        await CatchUpAsync(change.Position - 1, ct);
                        Publish(change);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                // The log could not be read (or anything else went wrong): nothing may be skipped silently.
                LogCatchUpFailed(logger, ex, ex.Message);
                var skippedTo = Math.Max(Interlocked.Read(ref _position), change?.Position ?? 0);
                Interlocked.Exchange(ref _position, skippedTo);
                feed.Publish(ChangeEvent.Resync with { Position = skippedTo });
            }
        }
    }

    /// <summary>Publishes what the log holds after the current position up to <paramref name="upTo"/>, or a resync when it cannot.</summary>
    private async Task CatchUpAsync(long upTo, CancellationToken ct)
    {
        var from = Interlocked.Read(ref _position);
        if (upTo <= from)
        {
            return;
        }

        var missed = await TransientRetry.Pipeline.ExecuteAsync(async token => await log.ReadAsync(from, upTo, ct: token), ct);
        if (missed is null)
        {
            LogResync(logger, from, upTo);
            Interlocked.Exchange(ref _position, upTo);
            feed.Publish(ChangeEvent.Resync with { Position = upTo });
            return;
        }

        foreach (var change in missed)
        {
            Publish(change);
        }
    }

    private void Publish(ChangeEvent change)
    {
        Interlocked.Exchange(ref _position, change.Position);
        feed.Publish(change);
    }

    private ChangeEvent? Parse(string payload)
    {
        try
        {
            var change = JsonSerializer.Deserialize<ChangeEvent>(payload, Json);
            if (change is not null && JsonSerializer.Deserialize<RaisedAt>(payload, Json) is { At: > 0 } raised)
            {
                CollabMetrics.LiveEventLag.Record(time.GetUtcNow().ToUnixTimeMilliseconds() - raised.At);
            }

            return change;
        }
        catch (JsonException ex)
        {
            LogBadPayload(logger, ex, payload);
            return null;
        }
    }

    /// <summary>When the trigger raised the event (database clock, ms since the epoch); for the lag metric only.</summary>
    private sealed record RaisedAt(long At);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change listener connection lost; reconnect attempt {Attempt} in {Delay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, TimeSpan delay, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change listener connection lost after a healthy period; reconnecting at once: {Reason}")]
    private static partial void LogDropped(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Change listener reconnected; replayed what it missed from the change log")]
    private static partial void LogReconnected(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The change log no longer covers positions {From}..{UpTo}; published a resync")]
    private static partial void LogResync(ILogger logger, long from, long upTo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish in order (reading the change log failed?); published a resync: {Reason}")]
    private static partial void LogCatchUpFailed(ILogger logger, Exception exception, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a change notification that is not a change event: {Payload}")]
    private static partial void LogBadPayload(ILogger logger, Exception exception, string payload);
}

using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Npgsql;

namespace CollabEditor.WebApp.Startup;

/// <summary>
/// What this instance's open circuits hold in the database (presence rows, leases), so that stopping
/// the instance can release it at once, as each circuit's end does: otherwise other instances would
/// show these viewers for a presence TTL and wait a lease TTL for the check-outs.
/// </summary>
public sealed partial class OpenCircuits(ILogger<OpenCircuits> logger)
{
    private readonly ConcurrentDictionary<CircuitHandler, Func<CancellationToken, Task>> _holders = new();

    /// <summary>True once the instance is stopping: circuits should not claim anything new.</summary>
    public bool Stopping { get; private set; }

    /// <summary>Registers what <paramref name="handler"/>'s circuit must release when the instance stops.</summary>
    public void Add(CircuitHandler handler, Func<CancellationToken, Task> release) => _holders[handler] = release;

    /// <summary>The circuit ended and released its own.</summary>
    public void Remove(CircuitHandler handler) => _holders.TryRemove(handler, out _);

    /// <summary>Releases what every open circuit holds; a database that is away already lets it expire.</summary>
    public async Task ReleaseAllAsync(CancellationToken ct)
    {
        Stopping = true;
        var released = 0;
        foreach (var (handler, release) in _holders)
        {
            try
            {
                await release(ct);
                released++;
            }
            catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException or ObjectDisposedException)
            {
                // The rows expire on their own (presence TTL, lease TTL). Disposed: the host is tearing down and the
                // database connection pool went first (seen in CI as a test host's StopAsync failing).
                LogReleaseFailed(logger, ex.Message);
                return;
            }

            _holders.TryRemove(handler, out _);
        }

        LogReleased(logger, released);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: released the presence and check-outs of {Count} circuit handler(s).")]
    private static partial void LogReleased(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: could not release presence and check-outs ({Reason}); they expire on their own.")]
    private static partial void LogReleaseFailed(ILogger logger, string reason);
}

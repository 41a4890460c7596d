using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace CollabEditor.WebApp.Tests.Field;

/// <summary>
/// A TCP proxy on 127.0.0.1 that delays every byte by <see cref="OneWay"/> in each direction, like a
/// WAN or VPN link: a round trip through it takes twice that. Latency only, no throttling: each chunk
/// is held until its own arrival time plus the delay, so chunks keep their order and do not queue
/// behind each other's delays. HTTP and the Blazor WebSocket both go through it.
/// </summary>
public sealed class LatencyProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly List<CancellationTokenSource> _open = [];
    private readonly Task _accepting;

    private LatencyProxy(Uri target, TimeSpan oneWay, int port)
    {
        _listener = new(IPAddress.Loopback, port);
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        OneWay = oneWay;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The delay added each way.</summary>
    public TimeSpan OneWay { get; }

    /// <summary>The proxy's address: use it instead of the app's.</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Starts a proxy to <paramref name="target"/> (an http://127.0.0.1:port address) with a round trip of <paramref name="roundTrip"/>.</summary>
    public static LatencyProxy Start(Uri target, TimeSpan roundTrip) => new(target, roundTrip / 2, 0);

    /// <summary>As <see cref="Start(Uri, TimeSpan)"/>, listening on <paramref name="port"/> (e.g. where a database is expected to come up).</summary>
    public static LatencyProxy Start(Uri target, TimeSpan roundTrip, int port) => new(target, roundTrip / 2, port);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_connections)
                {
                    _connections.Add(RelayAsync(client));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        catch (ObjectDisposedException)
        {
            // Disposed.
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var upstream = new TcpClient();
        try
        {
            client.NoDelay = true;
            upstream.NoDelay = true;
            await upstream.ConnectAsync(_target, _stop.Token);
            using var ends = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            lock (_open)
            {
                _open.Add(ends);
            }

            var up = PumpAsync(client.GetStream(), upstream.GetStream(), ends.Token);
            var down = PumpAsync(upstream.GetStream(), client.GetStream(), ends.Token);
            await Task.WhenAny(up, down);
            // One side closed: close the other after the data already in flight has arrived.
            await Task.Delay(OneWay, CancellationToken.None);
            await ends.CancelAsync();
            await Task.WhenAll(up, down);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A connection the browser or the app dropped (or the proxy stopping): nothing to relay.
        }
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/>, each chunk delivered <see cref="OneWay"/> after it arrived.</summary>
    private async Task PumpAsync(NetworkStream from, NetworkStream to, CancellationToken ct)
    {
        var queue = Channel.CreateUnbounded<(long Due, byte[] Data)>(new() { SingleReader = true, SingleWriter = true });
        var delayTicks = (long)(OneWay.TotalSeconds * Stopwatch.Frequency);

        async Task ReadAsync()
        {
            var buffer = new byte[64 * 1024];
            try
            {
                int n;
                while ((n = await from.ReadAsync(buffer, ct)) > 0)
                {
                    queue.Writer.TryWrite((Stopwatch.GetTimestamp() + delayTicks, buffer[..n]));
                }
            }
            finally
            {
                queue.Writer.TryComplete();
            }
        }

        async Task WriteAsync()
        {
            await foreach (var (due, data) in queue.Reader.ReadAllAsync(ct))
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, ct);
                }

                await to.WriteAsync(data, ct);
            }

            // The sender finished: pass the half-close on.
            to.Socket.Shutdown(SocketShutdown.Send);
        }

        var reading = ReadAsync();
        var writing = WriteAsync();
        try
        {
            await Task.WhenAll(reading, writing);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Either end went away.
        }
    }

    /// <summary>Cuts every connection open through the proxy (a network blip); new ones go through again.</summary>
    public void DropConnections()
    {
        lock (_open)
        {
            foreach (var ends in _open)
            {
                try
                {
                    ends.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // That connection had ended already.
                }
            }

            _open.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open);
        _stop.Dispose();
    }
}

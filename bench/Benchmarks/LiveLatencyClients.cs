using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Threading.Channels;
using CollabEditor.Core.Changes;
using CollabEditor.WebApp.Changes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.Benchmarks;

/// <summary>
/// The subscriber side of live-latency, in a child process of the benchmark (pinned to its own core
/// where taskset allows), so that the clients' receiving and parsing do not compete with the server
/// inside one process. It opens N SignalR connections that follow "products" and timestamps every
/// receipt with <see cref="Stopwatch.GetTimestamp"/> (CLOCK_MONOTONIC on Linux: the same clock in both
/// processes). The parent sends one command a line on stdin and reads one reply a line ("@@ ") on stdout:
/// <c>cookie header</c> then the child connects and replies <c>@@ ready n seconds cores</c>;
/// <c>sent key version t0 t1 measured</c> lines (one per save: before the UPDATE, after the save
/// returned, whether it is measured or warm-up) then <c>end</c> → <c>@@ result …</c>; <c>quit</c> → <c>@@ bye</c>.
/// </summary>
internal sealed class LiveLatencyClients : IAsyncDisposable
{
    /// <summary>The hidden benchmark name the child runs under.</summary>
    public const string ChildCommand = "live-latency-clients";

    private const string ReplyPrefix = "@@ ";
    private readonly Process _process;

    private LiveLatencyClients(Process process) => _process = process;

    /// <summary>What one round measured, as the clients saw it.</summary>
    public sealed record Result(
        long Expected, long Received, long OutOfOrder, int Samples, double P50, double P95, double P99, double Max,
        double AckP50, double AckP99, int AckSamples, double CpuSeconds, string Gc);

    /// <summary>Starts the child (under <paramref name="pinTo"/> when given, e.g. "taskset -c 1") and waits until its N clients have joined.</summary>
    public static async Task<(LiveLatencyClients Clients, double ConnectSeconds, int Cores)> StartAsync(
        Uri baseAddress, string cookieHeader, int connections, string protocol, string[]? pinTo)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(pinTo?[0] ?? self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (pinTo is not null)
        {
            foreach (var a in pinTo.Skip(1))
            {
                start.ArgumentList.Add(a);
            }

            start.ArgumentList.Add(self);
        }

        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(LiveLatencyClients).Assembly.Location);
        }

        start.ArgumentList.Add(ChildCommand);
        start.ArgumentList.Add(baseAddress.ToString());
        start.ArgumentList.Add(connections.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(protocol);
        // The child is a benchmark process of its own: no pinning of its own, no re-exec.
        start.Environment[LiveLatency.PinnedVariable] = "child";
        var clients = new LiveLatencyClients(Process.Start(start) ?? throw new InvalidOperationException("could not start the clients' process"));
        // On stdin, not the command line: the sign-in cookie is a secret.
        await clients._process.StandardInput.WriteLineAsync("cookie " + cookieHeader);
        var ready = (await clients.ReplyAsync(TimeSpan.FromMinutes(5))).Split(' ');
        return (clients, Double(ready[2]), int.Parse(ready[3], CultureInfo.InvariantCulture));
    }

    /// <summary>Hands over the saves (timestamps from the shared monotonic clock) and waits for the clients' verdict.</summary>
    public async Task<Result> ResultAsync(IEnumerable<(string Key, long Version, long T0, long T1, bool Measured)> saves)
    {
        foreach (var s in saves)
        {
            await _process.StandardInput.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"sent {s.Key} {s.Version} {s.T0} {s.T1} {(s.Measured ? 1 : 0)}"));
        }

        await _process.StandardInput.WriteLineAsync("end");
        var r = (await ReplyAsync(TimeSpan.FromMinutes(2))).Split(' ');
        return new(Long(r[1]), Long(r[2]), Long(r[3]), (int)Long(r[4]), Double(r[5]), Double(r[6]), Double(r[7]), Double(r[8]), Double(r[9]), Double(r[10]), (int)Long(r[11]), Double(r[12]), string.Join(' ', r.Skip(13)));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await _process.StandardInput.WriteLineAsync("quit");
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                // Ends only the process this benchmark started, by id.
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private static long Long(string s) => long.Parse(s, CultureInfo.InvariantCulture);

    private static double Double(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private async Task<string> ReplyAsync(TimeSpan timeout)
    {
        await _process.StandardInput.FlushAsync();
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var line = await _process.StandardOutput.ReadLineAsync(cts.Token)
                ?? throw new InvalidOperationException($"the clients' process ended (exit code {(_process.HasExited ? _process.ExitCode : -1)})");
            if (line.StartsWith(ReplyPrefix, StringComparison.Ordinal))
            {
                return line[ReplyPrefix.Length..];
            }

            await Console.Error.WriteLineAsync("  [clients] " + line);
        }
    }

    /// <summary>No reference inside: a million of them cost the clients' GC nothing to trace.</summary>
    private readonly record struct Receipt(int Id, long Version, long At);

    private static int IdOf(string key) => int.Parse(key.AsSpan(key.LastIndexOf('/') + 1), CultureInfo.InvariantCulture);

    /// <summary>The child's side: connects, records, and answers the commands until <c>quit</c> or the end of stdin.</summary>
    public static async Task ServeAsync(Uri baseAddress, int connections, string protocol)
    {
        var messagePack = protocol switch
        {
            "json" => false,
            "messagepack" => true,
            _ => throw new ArgumentException($"protocol must be json or messagepack, not '{protocol}'", nameof(protocol)),
        };
        // Console.In.ReadLineAsync blocks the thread it runs on: on a one-core process (one thread-pool
        // thread to start with) that stalls every receipt until the pool adds a thread. Read on a thread of its own.
        var commands = Channel.CreateUnbounded<string>(new() { SingleWriter = true, SingleReader = true });
        var stdin = new Thread(() =>
        {
            while (Console.In.ReadLine() is { } line)
            {
                commands.Writer.TryWrite(line);
            }

            commands.Writer.TryComplete();
        }) { IsBackground = true, Name = "stdin" };
        stdin.Start();
        var cookieLine = await commands.Reader.ReadAsync();
        var cookies = new CookieContainer();
        foreach (var pair in cookieLine["cookie ".Length..].Split("; ", StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            cookies.Add(baseAddress, new Cookie(pair[..eq], pair[(eq + 1)..]));
        }

        var clock = Stopwatch.StartNew();
        var received = 0L;
        var outOfOrder = 0L;
        var receipts = new List<Receipt>[connections];
        var hubs = new List<HubConnection>();
        foreach (var chunk in Enumerable.Range(0, connections).Chunk(50))
        {
            hubs.AddRange(await Task.WhenAll(chunk.Select(async i =>
            {
                var builder = new HubConnectionBuilder()
                    .WithUrl(new Uri(baseAddress, ChangesHub.Path), o =>
                    {
                        o.Cookies = cookies;
                        o.Transports = HttpTransportType.WebSockets;
                        o.SkipNegotiation = true;
                    });
                if (messagePack)
                {
                    builder.AddMessagePackProtocol();
                }

                var hub = builder.Build();
                var mine = receipts[i] = new List<Receipt>(2048);
                var lastVersion = new Dictionary<int, long>();
                hub.On<ChangeEvent>(nameof(IChangeClient.Changed), e =>
                {
                    var at = Stopwatch.GetTimestamp();
                    if (e.Kind != ChangeKind.Saved)
                    {
                        return;
                    }

                    // Handlers of one connection run one at a time: its own list and map need no lock.
                    var id = IdOf(e.Key);
                    if (lastVersion.TryGetValue(id, out var before) && e.Version <= before)
                    {
                        Interlocked.Increment(ref outOfOrder);
                    }

                    lastVersion[id] = e.Version;
                    mine.Add(new(id, e.Version, at));
                    Interlocked.Increment(ref received);
                });
                await hub.StartAsync();
                await hub.InvokeAsync(nameof(ChangesHub.JoinCollection), "products");
                return hub;
            })));
        }

        Reply(string.Create(CultureInfo.InvariantCulture, $"ready {hubs.Count} {clock.Elapsed.TotalSeconds:F1} {Environment.ProcessorCount}"));
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        var gcAtStart = LiveLatency.GcCounts.Read();
        var sent = new Dictionary<(int, long), (long T0, long T1, bool Measured)>();
        await foreach (var command in commands.Reader.ReadAllAsync())
        {
            var parts = command.Split(' ');
            switch (parts[0])
            {
                case "sent":
                    sent[(IdOf(parts[1]), Long(parts[2]))] = (Long(parts[3]), Long(parts[4]), parts[5] == "1");
                    break;
                case "end":
                    var expected = (long)sent.Count * connections;
                    var wait = Stopwatch.StartNew();
                    while (Interlocked.Read(ref received) < expected && wait.Elapsed < TimeSpan.FromSeconds(10))
                    {
                        await Task.Delay(50);
                    }

                    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds;
                    Reply(Summarize(receipts, sent, expected, Interlocked.Read(ref outOfOrder), cpu) + " " + LiveLatency.GcCounts.Read().Since(gcAtStart));
                    break;
                case "quit":
                    await Task.WhenAll(hubs.Select(h => h.DisposeAsync().AsTask()));
                    Reply("bye");
                    return;
                default:
                    await Console.Error.WriteLineAsync($"unknown command '{command}'");
                    break;
            }
        }
    }

    private static string Summarize(List<Receipt>[] receipts, Dictionary<(int, long), (long T0, long T1, bool Measured)> sent, long expected, long outOfOrder, double cpu)
    {
        var latencies = new List<double>();
        var sinceAck = new List<double>();
        var matched = 0L;
        var ms = 1000.0 / Stopwatch.Frequency;
        foreach (var list in receipts)
        {
            // A snapshot: a straggler arriving now is not counted (it is then "lost" after the 10 s wait).
            foreach (var r in list.ToArray())
            {
                if (!sent.TryGetValue((r.Id, r.Version), out var s))
                {
                    continue;
                }

                matched++;
                if (s.Measured)
                {
                    latencies.Add((r.At - s.T0) * ms);
                    if (r.At >= s.T1)
                    {
                        sinceAck.Add((r.At - s.T1) * ms);
                    }
                }
            }
        }

        var sorted = latencies.Order().ToArray();
        var ack = sinceAck.Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"result {expected} {matched} {outOfOrder} {sorted.Length} {Percentile(sorted, 0.50):F1} {Percentile(sorted, 0.95):F1} {Percentile(sorted, 0.99):F1} {(sorted.Length == 0 ? double.NaN : sorted[^1]):F1} {Percentile(ack, 0.50):F1} {Percentile(ack, 0.99):F1} {ack.Length} {cpu:F2}");
    }

    internal static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static void Reply(string text)
    {
        Console.Out.WriteLine(ReplyPrefix + text);
        Console.Out.Flush();
    }
}

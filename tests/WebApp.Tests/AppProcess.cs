using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// The built app run as an operator runs it: <c>dotnet CollabEditor.WebApp.dll</c> in its own process,
/// configured by environment variables, stopped with SIGTERM (what <c>docker stop</c> sends).
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private AppProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    /// <summary>Everything the app wrote to standard output (its log) so far.</summary>
    public string Output => Read(_stdout);

    /// <summary>Everything the app wrote to standard error so far.</summary>
    public string Errors => Read(_stderr);

    /// <summary>Starts the app with <paramref name="environment"/> (Production unless it says otherwise) on a free loopback port.</summary>
    public static AppProcess Start(IReadOnlyDictionary<string, string?> environment) => Start(environment, AppContext.BaseDirectory);

    /// <summary>
    /// Starts the app as published (<c>dotnet publish</c> of src/WebApp, once per test run): what an
    /// operator runs. Only a published app serves its static assets (CSS, scripts) in Production.
    /// </summary>
    public static async Task<AppProcess> StartPublishedAsync(IReadOnlyDictionary<string, string?> environment) =>
        Start(environment, await Published.Value);

    private static readonly Lazy<Task<string>> Published = new(PublishAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private static async Task<string> PublishAsync()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "CollabEditor.sln")))
        {
            root = root.Parent;
        }

        var project = Path.Combine(root?.FullName ?? throw new InvalidOperationException("CollabEditor.sln not found above the test binaries"), "src", "WebApp", "WebApp.csproj");
        var output = Path.Combine(Path.GetTempPath(), $"collab-published-{Environment.ProcessId}");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        // The build the tests ran already compiled it: publish only lays it out.
        foreach (var arg in new[] { "publish", project, "-c", "Debug", "--no-build", "-o", output })
        {
            info.ArgumentList.Add(arg);
        }

        using var publish = Process.Start(info)!;
        var log = publish.StandardOutput.ReadToEndAsync();
        var errors = publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync();
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({publish.ExitCode}): {await log}{await errors}");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(output, recursive: true);
            }
            catch (IOException)
            {
                // Left in the temp folder.
            }
        };
        return output;
    }

    private static AppProcess Start(IReadOnlyDictionary<string, string?> environment, string directory)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        info.ArgumentList.Add(Path.Combine(directory, "CollabEditor.WebApp.dll"));
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_URLS"] = baseAddress.ToString();
        // No colours or terminal codes in the captured log.
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return new AppProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"), baseAddress);
    }

    /// <summary>
    /// Runs an operator verb (<c>users …</c>, <c>migrate</c>) of the built app as its own process in
    /// Production against <paramref name="connectionString"/>, with <paramref name="stdin"/> piped in.
    /// </summary>
    public static async Task<(int Code, string Out, string Error)> RunVerbAsync(string connectionString, string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CollabEditor.WebApp.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Collab"] = connectionString;
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(stdin ?? string.Empty);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>A loopback port nothing listens on (for an app, or for a database that is not there).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Waits for the process to end by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the app did not exit within {timeout.TotalSeconds} s; its log:\n{Output}\n{Errors}");
        }

        return _process.ExitCode;
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the app exited ({_process.ExitCode}) before it was ready:\n{Output}\n{Errors}");
            }

            try
            {
                using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy starting.
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"the app was not ready within {timeout.TotalSeconds} s; its log:\n{Output}\n{Errors}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Sends SIGTERM and returns how long the app took to exit, and its exit code.</summary>
    public async Task<(TimeSpan Took, int ExitCode)> TerminateAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var code = await WaitForExitAsync(timeout);
        return (clock.Elapsed, code);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder to, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (to)
        {
            to.AppendLine(line);
        }
    }

    private static string Read(StringBuilder from)
    {
        lock (from)
        {
            return from.ToString();
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using CollabEditor.Data.Seeding;
using Microsoft.Playwright;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Headless Chromium driven by Playwright in a child process of the benchmark, so that the
/// Playwright client's own objects (one set per page) do not sit in the heap being measured.
/// The parent sends one command a line on stdin and reads one reply a line (prefixed "@@ ") on stdout:
/// <c>open path…</c> → <c>@@ opened n seconds</c> (every page shows its Save button: its circuit is live),
/// <c>open-lists path…</c> → <c>@@ opened n seconds</c> (every page shows product rows; each page then records
/// the versions its rows show, with the time, see <see cref="ObserveVersions"/>), <c>seen file</c> → <c>@@ seen n</c>
/// (what the list pages recorded since the last <c>seen</c>, written to the file as "page id version unix-ms" lines),
/// <c>close</c> → <c>@@ closed n</c>, <c>quit</c> → <c>@@ bye</c>.
/// </summary>
internal sealed class CircuitBrowser : IAsyncDisposable
{
    /// <summary>The hidden benchmark name the child runs under.</summary>
    public const string ChildCommand = "circuit-memory-browser";

    private const string ReplyPrefix = "@@ ";
    private readonly Process _process;

    private CircuitBrowser(Process process) => _process = process;

    /// <summary>Starts the child: Chromium with <paramref name="contexts"/> browser contexts, each signed in once (alternately alice and bob).</summary>
    public static async Task<CircuitBrowser> StartAsync(Uri baseAddress, int contexts)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(CircuitBrowser).Assembly.Location);
        }

        start.ArgumentList.Add(ChildCommand);
        start.ArgumentList.Add(baseAddress.ToString());
        start.ArgumentList.Add(contexts.ToString(CultureInfo.InvariantCulture));
        var browser = new CircuitBrowser(Process.Start(start) ?? throw new InvalidOperationException("could not start the browser process"));
        await browser.ReplyAsync(TimeSpan.FromMinutes(2));
        return browser;
    }

    /// <summary>Opens one page per path; returns when every page's Save button is visible.</summary>
    public async Task<double> OpenAsync(IEnumerable<string> paths)
    {
        await _process.StandardInput.WriteLineAsync("open " + string.Join(' ', paths));
        var reply = await ReplyAsync(TimeSpan.FromMinutes(15));
        return double.Parse(reply.Split(' ')[2], CultureInfo.InvariantCulture);
    }

    /// <summary>Opens one products-list page per path; returns when every page shows product rows and records its versions.</summary>
    public async Task<double> OpenListsAsync(IEnumerable<string> paths)
    {
        await _process.StandardInput.WriteLineAsync("open-lists " + string.Join(' ', paths));
        var reply = await ReplyAsync(TimeSpan.FromMinutes(15));
        return double.Parse(reply.Split(' ')[2], CultureInfo.InvariantCulture);
    }

    /// <summary>What the list pages saw since the last call: (page, product id, version, unix ms when it appeared).</summary>
    public async Task<IReadOnlyList<(int Page, int Id, int Version, double At)>> SeenAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), $"list-live-seen-{Environment.ProcessId}.txt");
        await _process.StandardInput.WriteLineAsync("seen " + file);
        await ReplyAsync(TimeSpan.FromMinutes(5));
        var seen = new List<(int, int, int, double)>();
        foreach (var line in await File.ReadAllLinesAsync(file))
        {
            var f = line.Split(' ');
            seen.Add((int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture)));
        }

        File.Delete(file);
        return seen;
    }

    /// <summary>What the first page shows ("id:version" each), for debugging.</summary>
    public async Task<string> RowsAsync()
    {
        await _process.StandardInput.WriteLineAsync("rows");
        return await ReplyAsync(TimeSpan.FromMinutes(1));
    }

    /// <summary>Navigates every open page away (so Blazor sends its disconnect beacon) and closes it.</summary>
    public async Task CloseAllAsync()
    {
        await _process.StandardInput.WriteLineAsync("close");
        await ReplyAsync(TimeSpan.FromMinutes(5));
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
                // Ends only the process this benchmark started (and its Chromium), by id.
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private async Task<string> ReplyAsync(TimeSpan timeout)
    {
        await _process.StandardInput.FlushAsync();
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var line = await _process.StandardOutput.ReadLineAsync(cts.Token)
                ?? throw new InvalidOperationException($"the browser process ended (exit code {(_process.HasExited ? _process.ExitCode : -1)})");
            if (line.StartsWith(ReplyPrefix, StringComparison.Ordinal))
            {
                return line[ReplyPrefix.Length..];
            }

            await Console.Error.WriteLineAsync("  [browser] " + line);
        }
    }

    /// <summary>The child's side: serves the commands until <c>quit</c> or the end of stdin.</summary>
    public static async Task ServeAsync(Uri baseAddress, int contextCount)
    {
        var path = Environment.GetEnvironmentVariable("COLLAB_CHROMIUM") ?? "/usr/bin/chromium";
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = path,
            Headless = true,
            // Pages in the background must not be throttled: list-live times every page.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"],
        });
        var contexts = new List<IBrowserContext>();
        for (var i = 0; i < contextCount; i++)
        {
            var context = await browser.NewContextAsync(new() { BaseURL = baseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 900 } });
            context.SetDefaultTimeout(120_000);
            var page = await context.NewPageAsync();
            await page.GotoAsync("/account/login");
            await page.FillAsync("#username", i % 2 == 0 ? "alice" : "bob");
            await page.FillAsync("#password", DemoData.DemoPassword);
            await page.ClickAsync("[data-testid=sign-in]");
            await page.WaitForURLAsync("**/products");
            // The product list is an interactive page with a circuit of its own: close it like the others.
            await ClosePageAsync(page);
            contexts.Add(context);
        }

        Reply("ready");
        var pages = new List<IPage>();
        while (await Console.In.ReadLineAsync() is { } command)
        {
            var parts = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (parts.FirstOrDefault())
            {
                case "open" or "open-lists":
                    var lists = parts[0] == "open-lists";
                    var clock = Stopwatch.StartNew();
                    // A few at a time: two cores serve the pages, the server and the database.
                    using (var gate = new SemaphoreSlim(4))
                    {
                        var opened = await Task.WhenAll(parts.Skip(1).Select(async (url, i) =>
                        {
                            await gate.WaitAsync();
                            try
                            {
                                var page = await contexts[i % contexts.Count].NewPageAsync();
                                await page.GotoAsync(url);
                                if (lists)
                                {
                                    await page.Locator("[data-testid=product-link]").First.WaitForAsync(new() { State = WaitForSelectorState.Visible });
                                    await page.EvaluateAsync(ObserveVersions);
                                }
                                else
                                {
                                    await page.Locator("[data-testid=save]").WaitForAsync(new() { State = WaitForSelectorState.Visible });
                                }

                                return page;
                            }
                            finally
                            {
                                gate.Release();
                            }
                        }));
                        pages.AddRange(opened);
                    }

                    Reply(string.Create(CultureInfo.InvariantCulture, $"opened {pages.Count} {clock.Elapsed.TotalSeconds:F1}"));
                    break;
                case "seen":
                    var lines = new List<string>();
                    for (var p = 0; p < pages.Count; p++)
                    {
                        var entries = await pages[p].EvaluateAsync<string>("() => { const s = window.__seen || []; window.__seen = []; return s.join(';'); }");
                        lines.AddRange(entries.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(e => p.ToString(CultureInfo.InvariantCulture) + " " + e.Replace(',', ' ')));
                    }

                    await File.WriteAllLinesAsync(parts[1], lines);
                    Reply($"seen {lines.Count}");
                    break;
                case "rows":
                    // Debugging aid: what the first list page shows now, "id:version" each.
                    Reply("rows " + await pages[0].EvaluateAsync<string>("() => [...document.querySelectorAll('[data-testid=product-grid] a[data-testid=product-link]')].map(a => a.getAttribute('href').split('/').pop() + ':' + a.closest('tr').querySelectorAll('td')[4].textContent).join(' ')"));
                    break;
                case "close":
                    var count = pages.Count;
                    using (var gate = new SemaphoreSlim(8))
                    {
                        await Task.WhenAll(pages.Select(async page =>
                        {
                            await gate.WaitAsync();
                            try
                            {
                                await ClosePageAsync(page);
                            }
                            finally
                            {
                                gate.Release();
                            }
                        }));
                    }

                    pages.Clear();
                    Reply($"closed {count}");
                    break;
                case "quit":
                    foreach (var context in contexts)
                    {
                        await context.CloseAsync();
                    }

                    Reply("bye");
                    return;
                default:
                    await Console.Error.WriteLineAsync($"unknown command '{command}'");
                    break;
            }
        }
    }

    /// <summary>
    /// Records, in the page, each (product id, version) the products grid shows the first time it shows
    /// it, with the wall-clock time (performance.timeOrigin + now, the same clock the benchmark's
    /// saves are timed with): a MutationObserver rescans the rows on every change of the page.
    /// </summary>
    private const string ObserveVersions = """
        () => {
          window.__seen = [];
          const shown = new Map();
          const scan = () => {
            const at = performance.timeOrigin + performance.now();
            for (const link of document.querySelectorAll('[data-testid=product-grid] a[data-testid=product-link]')) {
              const row = link.closest('tr');
              const cells = row ? row.querySelectorAll('td') : [];
              if (cells.length < 5) continue;
              const id = link.getAttribute('href').split('/').pop();
              const version = parseInt(cells[4].textContent, 10);
              if (!isNaN(version) && (shown.get(id) || 0) < version) {
                shown.set(id, version);
                window.__seen.push(id + ',' + version + ',' + at.toFixed(1));
              }
            }
          };
          scan();
          new MutationObserver(scan).observe(document.body, { childList: true, subtree: true, characterData: true });
        }
        """;

    /// <summary>Leaving the page first fires pagehide, on which Blazor tells the server the circuit is over.</summary>
    private static async Task ClosePageAsync(IPage page)
    {
        await page.GotoAsync("about:blank");
        await page.CloseAsync();
    }

    private static void Reply(string text)
    {
        Console.Out.WriteLine(ReplyPrefix + text);
        Console.Out.Flush();
    }
}

using System.Diagnostics;
using System.Runtime;
using CollabEditor.Data.Products;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.Benchmarks;

/// <summary>
/// Server memory per open Blazor circuit on the product edit page. The real app (<see cref="BenchApp"/>)
/// runs in this process; headless Chromium (driven from a child process, <see cref="CircuitBrowser"/>)
/// opens N pages on <c>/products/{id}</c> spread over a few signed-in browser contexts, each page
/// waited on until its Save button is visible (the page renders without prerendering, so the circuit
/// is live). The managed heap of this process is measured after full blocking compacting collections
/// with no circuit open (after one page was opened and closed) and with N open; each round closes the
/// pages again and the next round measures against what was left. Everything a page costs the server
/// counts: the circuit, its SignalR connection, the components, presence and the check-out bar.
/// </summary>
internal static class CircuitMemory
{
    public static async Task RunAsync(int pages, int contexts, int rounds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(contexts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var counter = new CircuitCounter();
        var (app, cluster) = await BenchApp.StartAsync(services =>
        {
            services.AddSingleton(counter);
            services.AddScoped<CircuitHandler, CountingCircuitHandler>();
        });
        await using var _ = cluster;
        using var __ = app;

        // Products that do not require check-out, so no page takes a lease when it opens.
        var catalog = await app.Services.GetRequiredService<ProductStore>().ListAsync(new ProductQuery(PageSize: 200));
        var ids = catalog.Items.Where(p => !p.Values.RequiresCheckout).Select(p => p.Id).ToArray();
        var paths = Enumerable.Range(0, pages).Select(i => $"/products/{ids[i % ids.Length]}").ToArray();

        Console.WriteLine($"circuit-memory: {pages} pages on /products/{{id}} ({Math.Min(pages, ids.Length)} products, none requiring check-out), {contexts} browser contexts (alice and bob alternately), headless Chromium in a child process; {rounds} round(s); {Environment.ProcessorCount} cores");
        await using var browser = await CircuitBrowser.StartAsync(app.BaseAddress, contexts);
        await WaitForCircuitsAsync(counter, 0);

        // Warm-up: one page opened and closed, so code paths, caches and pools exist before the baseline.
        await browser.OpenAsync(paths.Take(1));
        await WaitForCircuitsAsync(counter, 1);
        await browser.CloseAllAsync();
        await WaitForCircuitsAsync(counter, 0);
        var baseline = await MeasureAsync();
        var first = baseline;
        Console.WriteLine($"  no circuit open (after warm-up): GC.GetTotalMemory {Mb(baseline.TotalMemory)} MB, heap size {Mb(baseline.HeapSize)} MB, working set {Mb(baseline.WorkingSet)} MB");
        Console.WriteLine($"{"round",-7}{"open s",-8}{"without MB",-12}{"with MB",-10}{"after close MB",-16}{"KB/circuit",-12}{"KB/circuit (heap size)",-24}KB/circuit (working set)");
        var perCircuit = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var openSeconds = await browser.OpenAsync(paths);
            await WaitForCircuitsAsync(counter, pages);
            // Let first renders, presence heartbeats and the first queries finish.
            await Task.Delay(TimeSpan.FromSeconds(5));
            var open = await MeasureAsync();
            if (round == 1 && int.TryParse(Environment.GetEnvironmentVariable("CIRCUIT_MEMORY_HOLD"), out var hold))
            {
                // For a heap dump with the pages open: dotnet-gcdump collect -p <pid>.
                Console.WriteLine($"  holding {hold} s with {pages} pages open; process id {Environment.ProcessId}");
                await Task.Delay(TimeSpan.FromSeconds(hold));
            }

            await browser.CloseAllAsync();
            await WaitForCircuitsAsync(counter, 0);
            var after = await MeasureAsync();
            var kb = (open.TotalMemory - baseline.TotalMemory) / 1024.0 / pages;
            perCircuit.Add(kb);
            Console.WriteLine($"{round,-7}{openSeconds,-8:F1}{Mb(baseline.TotalMemory),-12}{Mb(open.TotalMemory),-10}{Mb(after.TotalMemory),-16}{kb,-12:F1}{(open.HeapSize - baseline.HeapSize) / 1024.0 / pages,-24:F1}{(open.WorkingSet - baseline.WorkingSet) / 1024.0 / pages:F1}");
            baseline = after;
        }

        Console.WriteLine($"  circuits opened in all: {counter.Opened} (closed {counter.Closed}); left after the last close: {Mb(baseline.TotalMemory - first.TotalMemory)} MB more than the first baseline");
        Console.WriteLine("  KB/circuit = (GC.GetTotalMemory with N open - without) / N after full compacting collections; heap size = GCMemoryInfo.HeapSizeBytes (includes fragmentation); working set includes native memory and is for information");
        var median = SaveComparison.Median(perCircuit);
        Console.WriteLine($"  load average at the end: {SaveComparison.LoadAverage()}");
        Console.WriteLine($"  median {median:F1} KB per circuit; target <= 200 KB: {(median <= 200 ? "met" : "NOT met")}");
    }

    private sealed record Sample(long TotalMemory, long HeapSize, long WorkingSet);

    /// <summary>The median of three samples, each after full blocking compacting collections (the large object heap too).</summary>
    private static async Task<Sample> MeasureAsync()
    {
        var samples = new List<Sample>();
        for (var i = 0; i < 3; i++)
        {
            if (i > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            var total = GC.GetTotalMemory(forceFullCollection: true);
            var heap = GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes;
            using var process = Process.GetCurrentProcess();
            samples.Add(new(total, heap, process.WorkingSet64));
        }

        static long Middle(IEnumerable<long> values) => values.Order().ElementAt(1);
        return new(Middle(samples.Select(s => s.TotalMemory)), Middle(samples.Select(s => s.HeapSize)), Middle(samples.Select(s => s.WorkingSet)));
    }

    private static async Task WaitForCircuitsAsync(CircuitCounter counter, int open)
    {
        var clock = Stopwatch.StartNew();
        while (counter.Open != open)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new InvalidOperationException($"expected {open} open circuits, the server has {counter.Open}");
            }

            await Task.Delay(100);
        }
    }

    private static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Circuits the server has open (created and not yet closed, connected or not).</summary>
    private sealed class CircuitCounter
    {
        private int _opened;
        private int _closed;

        public int Opened => Volatile.Read(ref _opened);

        public int Closed => Volatile.Read(ref _closed);

        public int Open => Opened - Closed;

        public void OnOpened() => Interlocked.Increment(ref _opened);

        public void OnClosed() => Interlocked.Increment(ref _closed);
    }

    /// <summary>Counts circuits (one small object per circuit, inside what is measured).</summary>
    private sealed class CountingCircuitHandler(CircuitCounter counter) : CircuitHandler
    {
        public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            counter.OnOpened();
            return Task.CompletedTask;
        }

        public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            counter.OnClosed();
            return Task.CompletedTask;
        }
    }
}

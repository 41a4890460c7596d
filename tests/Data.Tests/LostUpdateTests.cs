using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace CollabEditor.Data.Tests;

/// <summary>
/// Many writers increment one product's stock through the save path. With the version check, every
/// acknowledged save counts; without it (the negative control), updates are lost.
/// </summary>
public sealed class LostUpdateTests(ITestOutputHelper output) : DataTest
{
    private const int Writers = 16;
    private const int IncrementsPerWriter = 200;

    [Fact]
    public async Task ConcurrentIncrements_ThroughTheSavePath_LoseNothing_AndUseEveryVersionOnce()
    {
        var p = await CreateAsync(NewProduct() with { Stock = 0 });
        var versions = new ConcurrentBag<int>();
        var conflicts = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var actor = new Core.Users.Actor($"writer-{w}", $"Writer {w}");
            for (var i = 0; i < IncrementsPerWriter; i++)
            {
                while (true)
                {
                    // Read-modify-write; on a conflict, re-read and re-apply this writer's own +1.
                    var current = (await Store.GetAsync(p.Id))!;
                    var result = await Store.UpdateAsync(p.Id, current.Version, current.Values with { Stock = current.Values.Stock + 1 }, actor);
                    if (result is SaveResult.Saved saved)
                    {
                        versions.Add(saved.Current.Version);
                        break;
                    }

                    Assert.IsType<SaveResult.Conflict>(result);
                    Interlocked.Increment(ref conflicts);
                }
            }
        })));

        var final = (await Store.GetAsync(p.Id))!;
        var acknowledged = versions.Count;
        output.WriteLine($"{Writers} writers x {IncrementsPerWriter}: {acknowledged} acknowledged saves, {conflicts} conflicts retried, final stock {final.Values.Stock}, final version {final.Version}, {started.Elapsed.TotalSeconds:F1} s");

        Assert.Equal(Writers * IncrementsPerWriter, acknowledged);
        Assert.Equal(acknowledged, final.Values.Stock);
        Assert.Equal(1 + acknowledged, final.Version);
        Assert.Equal(Enumerable.Range(2, acknowledged), versions.OrderBy(v => v));
    }

    [Fact]
    public async Task NegativeControl_WithoutTheVersionCheck_UpdatesAreLost()
    {
        var p = await CreateAsync(NewProduct() with { Stock = 0 });
        var acknowledged = 0;

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < IncrementsPerWriter / 2; i++)
            {
                // The naive save: the same read-modify-write and UPDATE, minus "AND version = @expected".
                var current = (await Store.GetAsync(p.Id))!;
                await using var db = await DbAsync();
                var stock = current.Values.Stock + 1;
                var rows = await db.Database.ExecuteSqlAsync($"UPDATE products SET stock = {stock}, version = version + 1 WHERE id = {p.Id}");
                Interlocked.Add(ref acknowledged, rows);
            }
        })));

        var final = (await Store.GetAsync(p.Id))!;
        output.WriteLine($"naive: {acknowledged} acknowledged saves, final stock {final.Values.Stock} ({acknowledged - final.Values.Stock} lost)");
        Assert.Equal(Writers * IncrementsPerWriter / 2, acknowledged);
        Assert.True(final.Values.Stock < acknowledged, $"expected lost updates without the version check, got stock {final.Values.Stock} for {acknowledged} saves");
    }
}

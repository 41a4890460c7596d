using System.Net;
using CollabEditor.Tests;
using Xunit.Abstractions;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// Two instances cold-started together on an empty database (issue 13), twenty times, each on a new
/// database: every one becomes ready. In Production without demo data, as an operator starts them (seeding
/// together is DemoDataTests' race).
/// </summary>
public sealed class ColdStartTests(ITestOutputHelper output)
{
    private const int Rounds = 20;

    [Fact]
    public async Task TwoInstancesStartedTogetherOnAnEmptyDatabase_BothBecomeReady_TwentyTimes()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var round = 0; round < Rounds; round++)
        {
            var database = await TestPostgres.CreateEmptyDatabaseAsync("cold");
            IReadOnlyDictionary<string, string?> settings = new Dictionary<string, string?>
            {
                ["Environment"] = "Production",
                ["Seed:DemoData"] = "false",
            };
            await using var a = new AppHost(database, settings);
            await using var b = new AppHost(database, settings);
            using var start = new Barrier(2);
            await Task.WhenAll(
                Task.Run(async () => { start.SignalAndWait(); await a.InitializeAsync(); }),
                Task.Run(async () => { start.SignalAndWait(); await b.InitializeAsync(); }));
            foreach (var app in new[] { a, b })
            {
                using var http = new HttpClient { BaseAddress = app.BaseAddress };
                using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                Assert.True(ready.StatusCode == HttpStatusCode.OK, $"round {round}: {app.BaseAddress} answered {(int)ready.StatusCode}");
            }
        }

        output.WriteLine($"{Rounds} rounds of two cold starts in {clock.Elapsed.TotalSeconds:F1} s");
    }
}

using System.Diagnostics;
using CollabEditor.Data.Changes;
using CollabEditor.Data.LocalPostgres;
using CollabEditor.Data.Presence;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using Npgsql;
using Xunit.Abstractions;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// Open pages recover from a PostgreSQL restart (issue "Hardening"): they stay usable, save again
/// and hear other people's saves. The app runs on its own throwaway cluster, so restarting it does
/// not disturb the test classes on the shared one.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class FaultRecoveryTests(BrowserFixture browser, ITestOutputHelper output)
{
    private const int IdlePooledConnections = 20;
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task OpenPages_AfterAPostgresRestart_StayUsable_SaveAgain_AndHearEachOther()
    {
        // Disposed in reverse: the app first, then its cluster.
        await using var cluster = await LocalPostgresCluster.StartThrowawayAsync();
        var connectionString = await cluster.EnsureDatabaseAsync("faults");
        await using var app = new AppHost(connectionString);
        await app.InitializeAsync();
        var store = app.Services.GetRequiredService<ProductStore>();
        var listener = app.Services.GetRequiredService<ChangeListener>();
        var product = (await store.ListAsync(new ProductQuery(SortBy: "Sku", PageSize: 1))).Items[0];
        var alice = await browser.SignInAsync(app.BaseAddress, "alice");
        var bob = await browser.SignInAsync(app.BaseAddress, "bob");
        await alice.GotoAsync($"/products/{product.Id}");
        await bob.GotoAsync($"/products/{product.Id}");
        await Assertions.Expect(alice.Locator("[data-testid=presence]")).ToContainTextAsync("Bob");
        await Assertions.Expect(bob.Locator("[data-testid=presence]")).ToContainTextAsync("Alice");
        var reconnectsBefore = listener.Reconnects;

        // A busy app has many idle connections in its pool; a restart breaks every one of them.
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        var held = new List<NpgsqlConnection>();
        for (var i = 0; i < IdlePooledConnections; i++)
        {
            held.Add(await dataSource.OpenConnectionAsync());
        }

        foreach (var c in held)
        {
            await c.DisposeAsync();
        }

        // Timed so that a page's next presence heartbeat falls while the server goes down and comes back.
        var heartbeatEvery = app.Services.GetRequiredService<IOptions<PresenceOptions>>().Value.HeartbeatEvery;
        var sinceLastHeartbeat = (TimeSpan)(await ScalarAsync(connectionString, "SELECT clock_timestamp() - max(seen_at) FROM presence"))!;
        var untilNextHeartbeat = heartbeatEvery - TimeSpan.FromTicks(sinceLastHeartbeat.Ticks % heartbeatEvery.Ticks) - TimeSpan.FromMilliseconds(100);
        if (untilNextHeartbeat > TimeSpan.Zero)
        {
            await Task.Delay(untilNextHeartbeat);
        }

        var restartBegan = (DateTime)(await ScalarAsync(connectionString, "SELECT clock_timestamp()"))!;
        var clock = Stopwatch.StartNew();
        await cluster.RestartAsync();
        var restartTook = clock.Elapsed;

        // Both open pages' background work (presence heartbeats) has to meet the restarted server,
        // with the dead pooled connections, and carry on by itself.
        while ((long)(await ScalarAsync(connectionString, "SELECT count(DISTINCT id) FROM presence WHERE seen_at > $1", restartBegan))! < 2)
        {
            if (clock.Elapsed > RecoveryLimit)
            {
                Assert.Fail($"the open pages stopped sending presence heartbeats after the restart (error bar shown: Alice {await alice.Locator("#blazor-error-ui").IsVisibleAsync()}, Bob {await bob.Locator("#blazor-error-ui").IsVisibleAsync()})");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        var heartbeatsBackAfter = clock.Elapsed;

        // Bob saves from his open page.
        await BrowserFixture.Field(bob, "Stock").FillAsync("4242");
        await bob.ClickAsync("[data-testid=save]");
        await Assertions.Expect(bob.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version + 1}", new() { Timeout = (float)RecoveryLimit.TotalMilliseconds });
        var bobSavedAt = clock.Elapsed;

        // Alice's open page hears it (live, or through the resync after the listener reconnected).
        await Assertions.Expect(alice.Locator("[data-testid=remote-banner]")).ToContainTextAsync($"Bob saved version {product.Version + 1}", new() { Timeout = (float)RecoveryLimit.TotalMilliseconds });
        await Assertions.Expect(BrowserFixture.Field(alice, "Stock")).ToHaveValueAsync("4242");

        // And Alice can save too; Bob hears about it.
        await BrowserFixture.Field(alice, "Name").FillAsync("Renamed after the restart");
        await alice.ClickAsync("[data-testid=save]");
        await Assertions.Expect(alice.Locator("[data-testid=version-line]")).ToContainTextAsync($"Version {product.Version + 2}", new() { Timeout = (float)RecoveryLimit.TotalMilliseconds });
        await Assertions.Expect(bob.Locator("[data-testid=remote-banner]")).ToContainTextAsync($"Alice saved version {product.Version + 2}", new() { Timeout = (float)RecoveryLimit.TotalMilliseconds });
        await Assertions.Expect(alice.Locator("[data-testid=presence]")).ToContainTextAsync("Bob");

        // Neither page broke: no "Something went wrong" bar.
        await Assertions.Expect(alice.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        await Assertions.Expect(bob.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        await BrowserFixture.ShotAsync(bob, "after-postgres-restart");

        var saved = (await store.GetAsync(product.Id))!;
        Assert.Equal(product.Version + 2, saved.Version);
        Assert.Equal(product.Values with { Name = "Renamed after the restart", Stock = 4242 }, saved.Values);
        Assert.True(listener.Reconnects > reconnectsBefore, "the app's change listener did not reconnect after the restart");
        output.WriteLine($"restart took {restartTook.TotalSeconds:F2} s; both pages heartbeating again {heartbeatsBackAfter.TotalSeconds:F2} s and Bob's page save acknowledged {bobSavedAt.TotalSeconds:F2} s after the restart began; listener reconnects {listener.Reconnects - reconnectsBefore}");
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql, object? parameter = null)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
        {
            command.Parameters.Add(new() { Value = parameter });
        }

        return await command.ExecuteScalarAsync();
    }
}

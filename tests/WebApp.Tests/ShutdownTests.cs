using CollabEditor.Core.Changes;
using CollabEditor.Tests;
using Microsoft.Playwright;
using Npgsql;
using Xunit.Abstractions;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// Stopping an instance with pages open (issue 13), as <c>docker stop</c> does (SIGTERM, then SIGKILL
/// after 10 s): the app exits well within that, and leaves neither the pages' presence nor their
/// check-outs behind for other instances to wait out.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class ShutdownTests(BrowserFixture browser, ITestOutputHelper output)
{
    private static readonly string[] Users = ["alice", "bob", "admin"];

    [Fact]
    public async Task Sigterm_WithThreeOpenPages_ExitsWithinTenSeconds_AndReleasesTheirPresenceAndCheckOuts()
    {
        var database = await TestPostgres.CreateDatabaseAsync("stop");
        await using var app = AppProcess.Start(new Dictionary<string, string?>
        {
            // Development: the demo users to sign in with, and static assets served from the build output.
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Collab"] = database,
            ["Seed__DemoData"] = "true",
        });
        await app.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        var pages = new List<IPage>();
        try
        {
            var keys = new List<string>();
            foreach (var (user, productId) in Users.Zip([1, 2, 3]))
            {
                var page = await browser.SignInAsync(app.BaseAddress, user);
                await page.GotoAsync($"/products/{productId}");
                await page.ClickAsync("[data-testid=check-out]");
                await Assertions.Expect(page.Locator("[data-testid=lease-banner]")).ToContainTextAsync("Checked out by you");
                pages.Add(page);
                keys.Add(ResourceKey.ForProduct(productId));
            }

            Assert.Equal((3, 3), await LeasesAndPresenceAsync(database, keys));

            var (took, exitCode) = await app.TerminateAsync(TimeSpan.FromSeconds(40));
            output.WriteLine($"exited {exitCode} {took.TotalSeconds:F1} s after SIGTERM with {pages.Count} open pages");
            Assert.True(took < TimeSpan.FromSeconds(10), $"stopping took {took.TotalSeconds:F1} s:\n{app.Output}");
            Assert.Equal(0, exitCode);
            Assert.Equal((0, 0), await LeasesAndPresenceAsync(database, keys));
        }
        finally
        {
            foreach (var page in pages)
            {
                await page.Context.CloseAsync();
            }
        }
    }

    private static async Task<(long Leases, long Presence)> LeasesAndPresenceAsync(string database, List<string> keys)
    {
        await using var db = new NpgsqlConnection(database);
        await db.OpenAsync();
        await using var count = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM leases WHERE resource_key = ANY($1)), (SELECT count(*) FROM presence WHERE resource_key = ANY($1))", db)
        {
            Parameters = { new() { Value = keys.ToArray() } },
        };
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}

using System.Diagnostics;
using System.Net;
using CollabEditor.Data.LocalPostgres;
using Xunit.Abstractions;
using static CollabEditor.WebApp.Tests.ApiClient;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// A database outage longer than the retry budget (issue 12): the API answers 503 with Retry-After
/// and a problem body, never a generic 500. The app runs on its own throwaway cluster, which the
/// test stops for good.
/// </summary>
public sealed class ApiOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DatabaseDown_PastTheRetryBudget_Is503_WithRetryAfter_AndAProblemBody()
    {
        // Disposed in reverse: the app first, then its cluster.
        await using var cluster = await LocalPostgresCluster.StartThrowawayAsync();
        var connectionString = await cluster.EnsureDatabaseAsync("outage");
        await using var app = new AppHost(connectionString);
        await app.InitializeAsync();
        using var alice = await SignedInAsync(app.BaseAddress, "alice");
        using (var before = await alice.GetAsync("/api/products/1"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await cluster.StopAsync();
        var clock = Stopwatch.StartNew();
        using var read = await alice.GetAsync("/api/products/1");
        var readTook = clock.Elapsed;
        using var write = await alice.SendAsync(Request(HttpMethod.Post, "/api/products", new { sku = "OUTAGE-1", name = "x", description = "", price = 1m, stock = 0, requiresCheckout = false }));
        output.WriteLine($"read answered {(int)read.StatusCode} after {readTook.TotalSeconds:F1} s; write {(int)write.StatusCode}; Retry-After {read.Headers.RetryAfter}");

        foreach (var response in new[] { read, write })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After in seconds");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.JsonAsync();
            Assert.Equal(503, problem.GetProperty("status").GetInt32());
            Assert.Contains("database", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        }
    }
}

using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.History;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static CollabEditor.WebApp.Tests.ApiClient;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// History paging (issue 12): a long history is read completely by following the <c>Link: rel="next"</c>
/// cursor, newest first, with no duplicates and no gaps, even while others keep saving.
/// </summary>
public sealed partial class ApiHistoryPagingTests(AppHost host, ITestOutputHelper output) : IClassFixture<AppHost>
{
    private const int Versions = 450;
    private static readonly Actor Alice = new("alice-test-id", "Alice");

    [GeneratedRegex("<(?<url>[^>]+)>\\s*;\\s*rel=\"next\"")]
    private static partial Regex NextLink();

    /// <summary>A product with <see cref="Versions"/> versions and a check-out now and then (lease events to interleave).</summary>
    private async Task<ProductSnapshot> LongHistoryAsync(string sku)
    {
        var store = host.Services.GetRequiredService<ProductStore>();
        var leases = host.Services.GetRequiredService<LeaseStore>();
        var current = Assert.IsType<SaveResult.Saved>(await store.CreateAsync(new ProductValues(sku, "Paged", "", 1m, 0, false), Alice)).Current;
        for (var i = 1; i < Versions; i++)
        {
            Guid? token = null;
            if (i % 50 == 0)
            {
                token = Assert.IsType<AcquireResult.Granted>(await leases.AcquireAsync(current.Key(), Alice, "paging")).Lease.Token;
            }

            current = Assert.IsType<SaveResult.Saved>(await store.UpdateAsync(current.Id, current.Version, current.Values with { Stock = i }, Alice, token)).Current;
            if (token is { } t)
            {
                Assert.IsType<LeaseChange.Done>(await leases.ReleaseAsync(current.Key(), t, Alice));
            }
        }

        return current;
    }

    private static async Task<(List<JsonElement> Items, string? Next)> PageAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var next = response.Headers.TryGetValues("Link", out var links) ? links.Select(l => NextLink().Match(l)).FirstOrDefault(m => m.Success)?.Groups["url"].Value : null;
        return ((await response.JsonAsync()).EnumerateArray().ToList(), next);
    }

    private static string Identity(JsonElement item) =>
        item.GetProperty("type").GetString() == "version"
            ? $"v{item.GetProperty("version").GetInt32()}"
            : $"l{item.GetProperty("fencing").GetInt64()}:{item.GetProperty("action").GetString()}";

    [Fact]
    public async Task FollowingNext_ReadsAllVersionsNewestFirst_NoDuplicatesNoGaps_WhileOthersSave()
    {
        var product = await LongHistoryAsync("PAGED-1");
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var store = host.Services.GetRequiredService<ProductStore>();
        // The whole timeline as one unpaged read sees it, before anyone saves again.
        var whole = (await host.Services.GetRequiredService<HistoryStore>().ProductHistoryAsync(product.Id, take: 1000))
            .Select(i => i is Core.History.VersionEntry v ? $"v{v.Version}" : $"l{((Core.History.LeaseEvent)i).Fencing}:{((Core.History.LeaseEvent)i).Action}").ToList();

        var seen = new List<string>();
        string? url = $"/api/products/{product.Id}/history?limit=100";
        var pages = 0;
        var current = product;
        while (url is not null)
        {
            var (items, next) = await PageAsync(alice, url);
            Assert.True(items.Count <= 100);
            seen.AddRange(items.Select(Identity));
            url = next;
            pages++;
            // Someone saves between the pages: newer versions, never a shift of the older ones.
            for (var i = 0; i < 5; i++)
            {
                current = Assert.IsType<SaveResult.Saved>(await store.UpdateAsync(current.Id, current.Version, current.Values with { Stock = 10_000 + (pages * 10) + i }, Alice)).Current;
            }
        }

        output.WriteLine($"{pages} pages, {seen.Count} entries ({seen.Count(s => s[0] == 'v')} versions, {seen.Count(s => s[0] == 'l')} lease events)");
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, Versions).Reverse().Select(v => $"v{v}"), seen.Where(s => s[0] == 'v'));
        Assert.Equal(whole, seen);
        Assert.True(seen.Count(s => s[0] == 'l') >= 16);
    }

    [Fact]
    public async Task WithoutParameters_TheFirst200ComeWithANextLink_TheLastPageHasNone()
    {
        var product = await LongHistoryAsync("PAGED-2");
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var (first, next) = await PageAsync(alice, $"/api/products/{product.Id}/history");
        Assert.Equal(200, first.Count);
        Assert.Equal($"v{Versions}", Identity(first[0]));
        Assert.NotNull(next);

        var (all, none) = await PageAsync(alice, $"/api/products/{product.Id}/history?limit=500");
        Assert.True(all.Count is > Versions and <= 500);
        Assert.Null(none);
        Assert.Equal("v1", Identity(all.Last(i => i.GetProperty("type").GetString() == "version")));
    }
}

internal static class ProductSnapshotKeys
{
    public static string Key(this ProductSnapshot p) => ResourceKey.ForProduct(p.Id);
}

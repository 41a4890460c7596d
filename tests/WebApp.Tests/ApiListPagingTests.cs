using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using static CollabEditor.WebApp.Tests.ApiClient;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// The lists' keyset cursors over HTTP (issue 14): Link rel="next"/"prev"/"last" and the body's cursors
/// walk every row once either way; a bad cursor, or a cursor with a page or another sort, is a 400 naming it.
/// </summary>
public sealed partial class ApiListPagingTests(AppHost host) : IClassFixture<AppHost>
{
    [GeneratedRegex("<([^>]+)>; rel=\"([a-z]+)\"")]
    private static partial Regex LinkPart();

    private static Dictionary<string, string> Links(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Link", out var values)
            ? LinkPart().Matches(string.Join(", ", values)).ToDictionary(m => m.Groups[2].Value, m => m.Groups[1].Value)
            : [];

    private static List<int> Ids(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32())];

    [Theory]
    [InlineData("/api/products", "Price", true)]
    [InlineData("/api/products", "Name", false)]
    [InlineData("/api/orders", "Total", true)]
    [InlineData("/api/orders", "LineCount", false)]
    public async Task FollowingNext_AndFollowingPrev_FromLast_ReadEveryRowOnce(string path, string sort, bool descending)
    {
        using var client = await SignedInAsync(host.BaseAddress, "alice");
        using var all = await client.GetAsync($"{path}?sort={sort}&desc={descending}&pageSize=200");
        var everything = await all.JsonAsync();
        var expected = Ids(everything);
        Assert.Equal(everything.GetProperty("total").GetInt32(), expected.Count);

        // Forward by the Link header, as a generic client would.
        var forward = new List<int>();
        var url = $"{path}?sort={sort}&desc={descending}&pageSize=7";
        string? lastUrl = null;
        while (true)
        {
            using var response = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.JsonAsync();
            forward.AddRange(Ids(page));
            var links = Links(response);
            lastUrl ??= links["last"];
            Assert.Equal(page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null, !links.ContainsKey("next"));
            if (!links.TryGetValue("next", out var next))
            {
                break;
            }

            Assert.Contains(Uri.EscapeDataString(page.GetProperty("nextCursor").GetString()!), next, StringComparison.Ordinal);
            Assert.True(page.GetProperty("page").ValueKind is JsonValueKind.Null or JsonValueKind.Number);
            url = next;
        }

        Assert.Equal(expected, forward);

        // Backward from the last page by the body's cursors.
        var backward = new List<int>();
        url = lastUrl;
        while (url is not null)
        {
            using var response = await client.GetAsync(url);
            var page = await response.JsonAsync();
            backward.InsertRange(0, Ids(page));
            url = Links(response).GetValueOrDefault("prev");
        }

        Assert.Equal(expected, backward);
    }

    [Fact]
    public async Task OldPageNumbers_StillWork()
    {
        using var client = await SignedInAsync(host.BaseAddress, "alice");
        using var all = await client.GetAsync("/api/products?sort=Stock&pageSize=200");
        var expected = Ids(await all.JsonAsync());
        using var second = await client.GetAsync("/api/products?sort=Stock&page=1&pageSize=10");
        var page = await second.JsonAsync();
        Assert.Equal(1, page.GetProperty("page").GetInt32());
        Assert.Equal(expected.Skip(10).Take(10), Ids(page));

        // An old client can go on by cursor from the page it is on, either way.
        using var next = await client.GetAsync($"/api/products?pageSize=10&cursor={page.GetProperty("nextCursor").GetString()}");
        Assert.Equal(expected.Skip(20).Take(10), Ids(await next.JsonAsync()));
        using var previous = await client.GetAsync($"/api/products?pageSize=10&cursor={page.GetProperty("previousCursor").GetString()}");
        Assert.Equal(expected.Take(10), Ids(await previous.JsonAsync()));
    }

    [Theory]
    [InlineData("/api/products?cursor=garbage", "cursor")]
    [InlineData("/api/products?cursor=eyJzIjoiQ3VzdG9tZXJOYW1lIiwiZCI6ZmFsc2UsIm0iOjAsImsiOm51bGwsImkiOjB9", "cursor")] // an orders sort
    [InlineData("/api/products?cursor=eyJzIjoiUHJpY2UiLCJkIjpmYWxzZSwibSI6MSwiayI6ImFiYyIsImkiOjF9", "cursor")] // price "abc"
    [InlineData("/api/orders?cursor=eyJzIjoiVG90YWwiLCJkIjpmYWxzZSwibSI6MywiayI6bnVsbCwiaSI6MH0&page=2", "page")]
    [InlineData("/api/orders?cursor=eyJzIjoiVG90YWwiLCJkIjpmYWxzZSwibSI6MywiayI6bnVsbCwiaSI6MH0&sort=Number", "sort")]
    [InlineData("/api/orders?cursor=eyJzIjoiVG90YWwiLCJkIjpmYWxzZSwibSI6MywiayI6bnVsbCwiaSI6MH0&desc=true", "sort")]
    public async Task ABadCursor_OrACursorWithAPageOrAnotherSort_Is400NamingIt(string url, string field)
    {
        using var client = await SignedInAsync(host.BaseAddress, "alice");
        using var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task ACursor_WithAnotherSearch_Is400NamingSearch_AndWithItsOwn_Continues()
    {
        using var client = await SignedInAsync(host.BaseAddress, "alice");
        using var first = await client.GetAsync("/api/products?search=oak&pageSize=2");
        var next = (await first.JsonAsync()).GetProperty("nextCursor").GetString();
        using var other = await client.GetAsync($"/api/products?search=lamp&pageSize=2&cursor={next}");
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        Assert.True((await other.JsonAsync()).GetProperty("errors").TryGetProperty("search", out _));
        using var none = await client.GetAsync($"/api/products?pageSize=2&cursor={next}");
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        using var same = await client.GetAsync($"/api/products?search=%20oak%20&pageSize=2&cursor={next}");
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.All((await same.JsonAsync()).GetProperty("items").EnumerateArray(), i => Assert.Contains("oak", i.GetProperty("name").GetString()!, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task ALastCursor_WithTheSameSortGiven_IsAccepted()
    {
        using var client = await SignedInAsync(host.BaseAddress, "alice");
        using var first = await client.GetAsync("/api/orders?sort=Total&pageSize=5");
        var last = (await first.JsonAsync()).GetProperty("lastCursor").GetString();
        using var response = await client.GetAsync($"/api/orders?sort=Total&desc=false&pageSize=5&cursor={last}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.JsonAsync();
        Assert.Equal(JsonValueKind.Null, page.GetProperty("nextCursor").ValueKind);
        Assert.Equal(5, page.GetProperty("items").GetArrayLength());
    }
}

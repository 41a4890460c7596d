using System.Net;
using System.Text;
using System.Text.Json;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static CollabEditor.WebApp.Tests.ApiClient;

namespace CollabEditor.WebApp.Tests;

/// <summary>PATCH over a real port: merge patch and JSON Patch, the PUT's preconditions and fencing, and races.</summary>
public sealed class ApiPatchTests(AppHost host, ITestOutputHelper output) : IClassFixture<AppHost>
{
    private const string Merge = "application/merge-patch+json";
    private const string JsonPatch = "application/json-patch+json";

    private static HttpRequestMessage PatchRequest(string path, string contentType, string body, string? ifMatch, Guid? leaseToken = null)
    {
        var request = Request(HttpMethod.Patch, path, ifMatch: ifMatch, leaseToken: leaseToken);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return request;
    }

    private static async Task<HttpResponseMessage> PatchAsync(HttpClient client, string path, string contentType, string body, string? ifMatch, Guid? leaseToken = null)
    {
        using var request = PatchRequest(path, contentType, body, ifMatch, leaseToken);
        return await client.SendAsync(request);
    }

    private static async Task<int> NewProductAsync(HttpClient client, string sku, int stock = 0)
    {
        using var created = await client.SendAsync(Request(HttpMethod.Post, "/api/products", new { sku, name = "Patch product", description = "Kept", price = 10m, stock, requiresCheckout = false }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.JsonAsync()).GetProperty("id").GetInt32();
    }

    /// <summary>A draft order with one line of quantity 3 per product given, at version 2.</summary>
    private static async Task<(int Id, JsonElement Order)> NewOrderAsync(HttpClient client, params int[] productIds)
    {
        using var created = await client.SendAsync(Request(HttpMethod.Post, "/api/orders", new { customerName = "Patch customer", notes = "First notes" }));
        var id = (await created.JsonAsync()).GetProperty("id").GetInt32();
        using var put = await client.SendAsync(Request(HttpMethod.Put, $"/api/orders/{id}",
            new { customerName = "Patch customer", status = "Draft", notes = "First notes", lines = productIds.Select(p => new { productId = p, quantity = 3 }).ToArray() }, ifMatch: "\"1\""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return (id, await put.JsonAsync());
    }

    [Fact]
    public async Task MergePatch_ChangesOnlyTheMembersGiven_AndAnswersLikePut()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var id = await NewProductAsync(alice, "PATCH-M-1", stock: 4);

        using var patched = await PatchAsync(alice, $"/api/products/{id}", Merge, """{"stock": 9}""", "\"1\"");
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("\"2\"", patched.Headers.ETag!.Tag);
        var body = await patched.JsonAsync();
        Assert.Equal((9, "Patch product", "Kept", 10m, "PATCH-M-1", 2), (body.GetProperty("stock").GetInt32(), body.GetProperty("name").GetString(),
            body.GetProperty("description").GetString(), body.GetProperty("price").GetDecimal(), body.GetProperty("sku").GetString(), body.GetProperty("version").GetInt32()));

        // The same patch again changes nothing, so it makes no new version (as a PUT of what is there).
        using var again = await PatchAsync(alice, $"/api/products/{id}", Merge, """{"stock": 9}""", "\"2\"");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("\"2\"", again.Headers.ETag!.Tag);

        // Charset and media-type parameters are read as for JSON.
        using var withCharset = await PatchAsync(alice, $"/api/products/{id}", "application/merge-patch+json; charset=utf-8", """{"name": "Renamed", "requiresCheckout": false}""", "\"2\"");
        Assert.Equal(HttpStatusCode.OK, withCharset.StatusCode);
        Assert.Equal(("Renamed", 9), ((await withCharset.JsonAsync()).GetProperty("name").GetString(), (await withCharset.JsonAsync()).GetProperty("stock").GetInt32()));
    }

    [Fact]
    public async Task JsonPatch_TestThenReplace_AndAFailedTestIs409_AndABadPathIs422()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var id = await NewProductAsync(alice, "PATCH-J-1", stock: 4);
        var path = $"/api/products/{id}";

        using var ok = await PatchAsync(alice, path, JsonPatch, """[{"op":"test","path":"/stock","value":4},{"op":"replace","path":"/stock","value":5},{"op":"test","path":"/description","value":"Kept"},{"op":"copy","from":"/name","path":"/description"}]""", "\"1\"");
        var product = await ok.JsonAsync();
        Assert.True(ok.StatusCode == HttpStatusCode.OK, product.ToString());
        Assert.Equal((5, "Patch product"), (product.GetProperty("stock").GetInt32(), product.GetProperty("description").GetString()));

        using var failed = await PatchAsync(alice, path, JsonPatch, """[{"op":"test","path":"/stock","value":4},{"op":"replace","path":"/stock","value":6}]""", "\"2\"");
        Assert.Equal(HttpStatusCode.Conflict, failed.StatusCode);
        var problem = await failed.JsonAsync();
        Assert.Equal("/stock", problem.GetProperty("path").GetString());
        Assert.Equal(5, problem.GetProperty("current").GetInt32());

        using var nosuch = await PatchAsync(alice, path, JsonPatch, """[{"op":"replace","path":"/nosuch","value":1}]""", "\"2\"");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, nosuch.StatusCode);
        Assert.Contains("/nosuch", (await nosuch.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var removeRequired = await PatchAsync(alice, path, JsonPatch, """[{"op":"remove","path":"/stock"}]""", "\"2\"");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, removeRequired.StatusCode);

        var now = await (await alice.GetAsync(path)).JsonAsync();
        Assert.Equal((2, 5), (now.GetProperty("version").GetInt32(), now.GetProperty("stock").GetInt32()));
    }

    [Fact]
    public async Task Preconditions_AsForPut_AndAnotherMediaTypeIs415ListingBoth()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var id = await NewProductAsync(alice, "PATCH-P-1");
        var path = $"/api/products/{id}";
        (string? IfMatch, int Status)[] table = [(null, 428), ("*", 428), ("W/\"1\"", 412), (",", 400), ("\"7\"", 412)];
        foreach (var (ifMatch, status) in table)
        {
            using var response = await PatchAsync(alice, path, Merge, """{"stock": 1}""", ifMatch);
            Assert.True(status == (int)response.StatusCode, $"If-Match {ifMatch ?? "(none)"}: expected {status}, got {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        using var stale = await PatchAsync(alice, path, Merge, """{"stock": 1}""", "\"7\"");
        Assert.Equal("\"1\"", (await stale.JsonAsync()).GetProperty("etag").GetString());

        using var json = await PatchAsync(alice, path, "application/json", """{"stock": 1}""", "\"1\"");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Contains(Merge, json.Headers.GetValues("Accept-Patch").Single(), StringComparison.Ordinal);
        Assert.Contains(JsonPatch, (await json.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var missing = await PatchAsync(alice, "/api/products/999999", Merge, """{"stock": 1}""", "\"1\"");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(1, (await (await alice.GetAsync(path)).JsonAsync()).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Lease_SomeoneElsesIs423_TheHoldersTokenWrites_AnEndedTokenIs409()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        using var bob = await SignedInAsync(host.BaseAddress, "bob");
        var id = await NewProductAsync(alice, "PATCH-L-1");
        var (orderId, _) = await NewOrderAsync(alice, id);
        foreach (var (kind, path, version) in new[] { ("product", $"/api/products/{id}", 1), ("order", $"/api/orders/{orderId}", 2) })
        {
            using var acquired = await alice.PostAsync($"/api/leases/{kind}/{(kind == "product" ? id : orderId)}", null);
            var token = (await acquired.JsonAsync()).GetProperty("token").GetGuid();
            var body = kind == "product" ? """{"stock": 3}""" : """{"notes": "Leased"}""";

            using var bobs = await PatchAsync(bob, path, Merge, body, $"\"{version}\"");
            Assert.Equal((HttpStatusCode)423, bobs.StatusCode);
            Assert.Contains("Alice", (await bobs.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
            using var bobsJsonPatch = await PatchAsync(bob, path, JsonPatch, kind == "product" ? """[{"op":"replace","path":"/stock","value":3}]""" : """[{"op":"replace","path":"/notes","value":"x"}]""", $"\"{version}\"");
            Assert.Equal((HttpStatusCode)423, bobsJsonPatch.StatusCode);

            using var alices = await PatchAsync(alice, path, Merge, body, $"\"{version}\"", token);
            Assert.Equal(HttpStatusCode.OK, alices.StatusCode);

            using var released = await alice.SendAsync(Request(HttpMethod.Delete, $"/api/leases/{kind}/{(kind == "product" ? id : orderId)}", leaseToken: token));
            using var ended = await PatchAsync(alice, path, Merge, kind == "product" ? """{"stock": 4}""" : """{"notes": "Ended"}""", $"\"{version + 1}\"", token);
            Assert.Equal(HttpStatusCode.Conflict, ended.StatusCode);
        }
    }

    [Fact]
    public async Task OrderMergePatch_WithoutLinesKeepsThem_WithLinesReplacesTheList()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var p1 = await NewProductAsync(alice, "PATCH-O-1");
        var p2 = await NewProductAsync(alice, "PATCH-O-2");
        var p3 = await NewProductAsync(alice, "PATCH-O-3");
        var (id, order) = await NewOrderAsync(alice, p1, p2);
        var lines = order.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("id").GetGuid()).ToList();

        using var notes = await PatchAsync(alice, $"/api/orders/{id}", Merge, """{"notes": "Only the notes"}""", "\"2\"");
        Assert.Equal(HttpStatusCode.OK, notes.StatusCode);
        var afterNotes = await notes.JsonAsync();
        Assert.Equal(("Only the notes", "Patch customer", "Draft", 3), (afterNotes.GetProperty("notes").GetString(), afterNotes.GetProperty("customerName").GetString(),
            afterNotes.GetProperty("status").GetString(), afterNotes.GetProperty("version").GetInt32()));
        Assert.Equal(lines, afterNotes.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("id").GetGuid()));

        // Line 1 kept and changed, line 2 left out (removed), a new line added.
        var replace = JsonSerializer.Serialize(new { lines = new object[] { new { id = lines[0], productId = p1, quantity = 8 }, new { productId = p3, quantity = 1 } } });
        using var replaced = await PatchAsync(alice, $"/api/orders/{id}", Merge, replace, "\"3\"");
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var after = (await replaced.JsonAsync()).GetProperty("lines").EnumerateArray().ToList();
        Assert.Equal(2, after.Count);
        Assert.Equal((lines[0], 8), (after[0].GetProperty("id").GetGuid(), after[0].GetProperty("quantity").GetInt32()));
        Assert.Equal(("PATCH-O-3", 1), (after[1].GetProperty("sku").GetString(), after[1].GetProperty("quantity").GetInt32()));
        Assert.DoesNotContain(after, l => l.GetProperty("id").GetGuid() == lines[1]);
        Assert.Equal("Only the notes", (await replaced.JsonAsync()).GetProperty("notes").GetString());
    }

    [Fact]
    public async Task OrderJsonPatch_ChangesOneLineByIndex_AddsAndRemovesLines_AndNeverReKeysALine()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var p1 = await NewProductAsync(alice, "PATCH-OJ-1");
        var p2 = await NewProductAsync(alice, "PATCH-OJ-2");
        var (id, order) = await NewOrderAsync(alice, p1, p2);
        var path = $"/api/orders/{id}";
        var lines = order.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("id").GetGuid()).ToList();

        using var one = await PatchAsync(alice, path, JsonPatch, """[{"op":"replace","path":"/lines/1/quantity","value":7}]""", "\"2\"");
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        var afterOne = (await one.JsonAsync()).GetProperty("lines");
        Assert.Equal((3, 7), (afterOne[0].GetProperty("quantity").GetInt32(), afterOne[1].GetProperty("quantity").GetInt32()));
        Assert.Equal(lines, afterOne.EnumerateArray().Select(l => l.GetProperty("id").GetGuid()));

        var reKey = $$"""[{"op":"replace","path":"/lines/0/id","value":"{{Guid.NewGuid()}}"}]""";
        foreach (var (refused, why) in new[] { (reKey, "/lines/0/id"), ("""[{"op":"replace","path":"/lines/99/quantity","value":1}]""", "/lines/99/quantity") })
        {
            using var response = await PatchAsync(alice, path, JsonPatch, refused, "\"3\"");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var problem = await response.JsonAsync();
            Assert.Equal(why, problem.GetProperty("path").GetString());
            Assert.Contains(why, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var addRemove = await PatchAsync(alice, path, JsonPatch, $$$"""[{"op":"remove","path":"/lines/0"},{"op":"add","path":"/lines/-","value":{"productId":{{{p1}}},"quantity":2}},{"op":"move","from":"/lines/1","path":"/lines/0"}]""", "\"3\"");
        Assert.Equal(HttpStatusCode.OK, addRemove.StatusCode);
        var after = (await addRemove.JsonAsync()).GetProperty("lines").EnumerateArray().ToList();
        Assert.Equal(2, after.Count);
        Assert.Equal(("PATCH-OJ-1", 2), (after[0].GetProperty("sku").GetString(), after[0].GetProperty("quantity").GetInt32()));
        Assert.NotEqual(lines[0], after[0].GetProperty("id").GetGuid());
        Assert.Equal((lines[1], 7), (after[1].GetProperty("id").GetGuid(), after[1].GetProperty("quantity").GetInt32()));
    }

    /// <summary>
    /// Many clients, each doing rounds of read-modify-write PATCHes of one record with If-Match: on a 412 the
    /// client takes the current representation from the problem and tries again (nothing else is retried).
    /// </summary>
    /// <param name="patchFor">The patch client c sends in round i, computed from what it last read.</param>
    /// <param name="saved">Called once per acknowledged PATCH with its client and round.</param>
    private async Task<(int Acknowledged, int Retries)> RaceAsync(string path, int clients, int rounds, Func<int, int, JsonElement, (string Type, string Body)> patchFor, Action<int, int>? saved = null)
    {
        var token = await TokenAsync(host.BaseAddress, "bob");
        var acknowledged = 0;
        var retries = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            using var client = Anonymous(host.BaseAddress);
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            using var first = await client.GetAsync(path);
            var (current, etag) = (await first.JsonAsync(), first.Headers.ETag!.Tag);
            for (var i = 0; i < rounds; i++)
            {
                while (true)
                {
                    var (type, body) = patchFor(c, i, current);
                    using var patch = await PatchAsync(client, path, type, body, etag);
                    var json = await patch.JsonAsync();
                    if (patch.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref acknowledged);
                        saved?.Invoke(c, i);
                        (current, etag) = (json, patch.Headers.ETag!.Tag);
                        break;
                    }

                    Assert.True(patch.StatusCode == HttpStatusCode.PreconditionFailed, $"{(int)patch.StatusCode}: {json}");
                    Interlocked.Increment(ref retries);
                    (current, etag) = (json.GetProperty("current"), json.GetProperty("etag").GetString()!);
                }
            }
        })));
        return (acknowledged, retries);
    }

    [Fact]
    public async Task ManyClients_PatchTheSameStock_WithIfMatchAndRetryOn412_LoseNothing()
    {
        const int clients = 12;
        const int increments = 25;
        using var setup = await SignedInAsync(host.BaseAddress, "alice");
        var id = await NewProductAsync(setup, "PATCH-RACE-1");

        // Half the clients send merge patches, half JSON Patches: both are the same read-modify-write.
        var (acknowledged, retries) = await RaceAsync($"/api/products/{id}", clients, increments, (c, _, current) =>
        {
            var stock = current.GetProperty("stock").GetInt32();
            return c % 2 == 0 ? (Merge, $$"""{"stock": {{stock + 1}}}""") : (JsonPatch, $$"""[{"op":"replace","path":"/stock","value":{{stock + 1}}}]""");
        });

        var final = (await host.Services.GetRequiredService<ProductStore>().GetAsync(id))!;
        output.WriteLine($"{clients} clients x {increments} PATCH increments: {acknowledged} 2xx, {retries} 412 retries, final stock {final.Values.Stock}, version {final.Version}");
        Assert.Equal(clients * increments, acknowledged);
        Assert.Equal(acknowledged, final.Values.Stock);
        Assert.Equal(1 + acknowledged, final.Version);
        // The race was real: without the version check, each of these retries would have been a lost update.
        Assert.True(retries > 0, "no PATCH ever met a newer version: the race did not happen");
    }

    [Fact]
    public async Task ManyClients_PatchOneOrdersLines_ByIndex_LoseNothing()
    {
        const int clients = 8;
        const int rounds = 10;
        using var setup = await SignedInAsync(host.BaseAddress, "alice");
        var p1 = await NewProductAsync(setup, "PATCH-ORACE-1");
        var (id, order) = await NewOrderAsync(setup, p1, p1);
        var lineIds = order.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("id").GetGuid()).ToList();
        var adds = 0;

        // Most rounds add one to line 1's quantity (the test op pins the line, so an index can never hit another line); every fifth adds a line.
        static bool Adding(int c, int i) => (c + i) % 5 == 0;
        var (acknowledged, retries) = await RaceAsync($"/api/orders/{id}", clients, rounds, (c, i, current) =>
        {
            var line = current.GetProperty("lines")[1];
            return (JsonPatch, Adding(c, i)
                ? $$$"""[{"op":"add","path":"/lines/-","value":{"productId":{{{p1}}},"quantity":1}}]"""
                : $$"""[{"op":"test","path":"/lines/1/id","value":"{{line.GetProperty("id").GetGuid()}}"},{"op":"replace","path":"/lines/1/quantity","value":{{line.GetProperty("quantity").GetInt32() + 1}}}]""");
        }, (c, i) =>
        {
            if (Adding(c, i))
            {
                Interlocked.Increment(ref adds);
            }
        });

        var increments = acknowledged - adds;
        var final = (await host.Services.GetRequiredService<OrderStore>().GetAsync(id))!;
        output.WriteLine($"{clients} clients x {rounds} order PATCHes: {increments} increments, {adds} adds, {retries} 412 retries, version {final.Version}, {final.Values.Lines.Count} lines");
        Assert.Equal(clients * rounds, acknowledged);
        Assert.Equal(2 + acknowledged, final.Version);
        Assert.Equal(2 + adds, final.Values.Lines.Count);
        Assert.Equal(lineIds, final.Values.Lines.Take(2).Select(l => l.LineId));
        Assert.Equal((3, 3 + increments), (final.Values.Lines[0].Quantity, final.Values.Lines[1].Quantity));
        Assert.True(retries > 0, "no PATCH ever met a newer version: the race did not happen");
    }

    [Fact]
    public async Task OpenApi_DocumentsBothMediaTypesWithExamples()
    {
        using var anonymous = Anonymous(host.BaseAddress);
        var doc = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json")).RootElement;
        foreach (var path in new[] { "/api/products/{id}", "/api/orders/{id}" })
        {
            var content = doc.GetProperty("paths").GetProperty(path).GetProperty("patch").GetProperty("requestBody").GetProperty("content");
            foreach (var type in new[] { Merge, JsonPatch })
            {
                var media = content.GetProperty(type);
                Assert.True(media.TryGetProperty("schema", out _), $"{path} {type} has no schema");
                Assert.True(media.TryGetProperty("example", out var example) && example.ValueKind != JsonValueKind.Null, $"{path} {type} has no example");
            }

            Assert.Equal(JsonValueKind.Array, content.GetProperty(JsonPatch).GetProperty("example").ValueKind);
        }
    }
}

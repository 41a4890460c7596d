using System.Net;
using System.Text.Json;
using CollabEditor.Data.Products;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static CollabEditor.WebApp.Tests.ApiClient;

namespace CollabEditor.WebApp.Tests;

/// <summary>The HTTP API's preconditions, lock semantics and authorization, over a real port.</summary>
public sealed class ApiTests(AppHost host, ITestOutputHelper output) : IClassFixture<AppHost>
{
    private static object Body(JsonElement p, int? stock = null, string? name = null) => new
    {
        sku = p.GetProperty("sku").GetString(),
        name = name ?? p.GetProperty("name").GetString(),
        description = p.GetProperty("description").GetString(),
        price = p.GetProperty("price").GetDecimal(),
        stock = stock ?? p.GetProperty("stock").GetInt32(),
        requiresCheckout = p.GetProperty("requiresCheckout").GetBoolean(),
    };

    private static async Task<int> NewProductAsync(HttpClient client, string sku)
    {
        using var created = await client.SendAsync(Request(HttpMethod.Post, "/api/products", new { sku, name = "API product", description = "", price = 10m, stock = 0, requiresCheckout = false }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("\"1\"", created.Headers.ETag!.Tag);
        return (await created.JsonAsync()).GetProperty("id").GetInt32();
    }

    [Fact]
    public async Task Unauthenticated_Is401_WithAProblemBody()
    {
        using var anonymous = Anonymous(host.BaseAddress);
        using var response = await anonymous.GetAsync("/api/products");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var badLogin = await anonymous.SendAsync(Request(HttpMethod.Post, "/api/auth/token", new { userName = "alice", password = "wrong" }));
        Assert.Equal(HttpStatusCode.Unauthorized, badLogin.StatusCode);
        Assert.Equal("application/problem+json", badLogin.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Head_IsGetWithoutTheBody()
    {
        using var client = await SignedInAsync(host.BaseAddress, "alice");
        var id = await NewProductAsync(client, "HEAD-1");
        using var get = await client.GetAsync($"/api/products/{id}");
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/products/{id}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        using var missing = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/products/999999"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var order = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/orders/1"));
        Assert.Equal(HttpStatusCode.OK, order.StatusCode);
        Assert.NotNull(order.Headers.ETag);
    }

    [Theory]
    [InlineData("GET", "/api/leases/product/1", "DELETE, POST, PUT")]
    [InlineData("PATCH", "/api/leases/product/1", "DELETE, POST, PUT")]
    [InlineData("GET", "/api/leases/product/1/force-release", "POST")]
    [InlineData("GET", "/api/products/1/history/1/restore", "POST")]
    [InlineData("PUT", "/api/orders/1/history/1/restore", "POST")]
    [InlineData("DELETE", "/api/products/1/history", "GET")]
    public async Task AMethodTheRouteDoesNotOffer_Is405_WithAllow_AndAProblemBody(string method, string path, string allow)
    {
        using var client = await SignedInAsync(host.BaseAddress, "alice");
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow.Order(StringComparer.Ordinal)));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task TokenEndpoint_WithoutJson_Is415_NamingJson(string? contentType)
    {
        using var anonymous = Anonymous(host.BaseAddress);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/token") { Content = new ByteArrayContent("""{"userName":"alice","password":"x"}"""u8.ToArray()) };
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Empty(response.Headers.WwwAuthenticate);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("application/json", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuotedUtf8Charset_IsAccepted()
    {
        using var client = await SignedInAsync(host.BaseAddress, "alice");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/products")
        {
            Content = new StringContent("""{"sku":"QUOTED-UTF8","name":"Quoted","description":"","price":1,"stock":0,"requiresCheckout":false}"""),
        };
        // RFC 9110 allows the parameter value as a quoted-string.
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=\"utf-8\"");
        using var created = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("QUOTED-UTF8", (await created.JsonAsync()).GetProperty("sku").GetString());
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheApi()
    {
        using var anonymous = Anonymous(host.BaseAddress);
        var doc = await anonymous.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/products/{id}", doc, StringComparison.Ordinal);
        Assert.Contains("/api/leases/{kind}/{id}", doc, StringComparison.Ordinal);
        // History paging: both parameters and the next link are documented.
        using var openApi = JsonDocument.Parse(doc);
        var history = openApi.RootElement.GetProperty("paths").GetProperty("/api/products/{id}/history").GetProperty("get");
        Assert.Equal(["id", "limit", "cursor"], history.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Contains("rel=\"next\"", history.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("Idempotency-Key", openApi.RootElement.GetProperty("paths").GetProperty("/api/leases/{kind}/{id}").GetProperty("post").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreconditionTable_NoIfMatch428_Stale412WithBody_Match200_Deleted404_IfNoneMatch304()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var id = await NewProductAsync(alice, "API-PRE-1");

        using var get = await alice.GetAsync($"/api/products/{id}");
        Assert.Equal("\"1\"", get.Headers.ETag!.Tag);
        var product = await get.JsonAsync();

        using var notModified = await alice.SendAsync(Request(HttpMethod.Get, $"/api/products/{id}", ifNoneMatch: "\"1\""));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var noIfMatch = await alice.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", Body(product, stock: 5)));
        Assert.Equal((HttpStatusCode)428, noIfMatch.StatusCode);
        Assert.Equal("application/problem+json", noIfMatch.Content.Headers.ContentType!.MediaType);

        using var match = await alice.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", Body(product, stock: 5), ifMatch: "\"1\""));
        Assert.Equal(HttpStatusCode.OK, match.StatusCode);
        Assert.Equal("\"2\"", match.Headers.ETag!.Tag);

        using var stale = await alice.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", Body(product, stock: 9), ifMatch: "\"1\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        var problem = await stale.JsonAsync();
        Assert.Equal("\"2\"", problem.GetProperty("etag").GetString());
        Assert.Equal(5, problem.GetProperty("current").GetProperty("stock").GetInt32());

        using var staleDelete = await alice.SendAsync(Request(HttpMethod.Delete, $"/api/products/{id}", ifMatch: "\"1\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, staleDelete.StatusCode);
        using var delete = await alice.SendAsync(Request(HttpMethod.Delete, $"/api/products/{id}", ifMatch: "\"2\""));
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        using var gone = await alice.GetAsync($"/api/products/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var putGone = await alice.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", Body(product), ifMatch: "\"2\""));
        Assert.Equal(HttpStatusCode.NotFound, putGone.StatusCode);
    }

    [Fact]
    public async Task Leases_423WithHolder_TokenRequired_EditorCannotForceRelease_ExpiredTokenWriteRefused()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        using var bob = await SignedInAsync(host.BaseAddress, "bob");
        using var admin = await SignedInAsync(host.BaseAddress, "admin");
        var id = await NewProductAsync(alice, "API-LEASE-1");
        var product = await (await alice.GetAsync($"/api/products/{id}")).JsonAsync();

        using var acquired = await alice.PostAsync($"/api/leases/product/{id}", null);
        Assert.Equal(HttpStatusCode.Created, acquired.StatusCode);
        var lease = await acquired.JsonAsync();
        var token = lease.GetProperty("token").GetGuid();
        Assert.True(lease.GetProperty("fencing").GetInt64() > 0);

        using var denied = await bob.PostAsync($"/api/leases/product/{id}", null);
        Assert.Equal((HttpStatusCode)423, denied.StatusCode);
        Assert.Equal("Alice", (await denied.JsonAsync()).GetProperty("holder").GetString());

        using var bobsWrite = await bob.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", Body(product, stock: 1), ifMatch: "\"1\""));
        Assert.Equal((HttpStatusCode)423, bobsWrite.StatusCode);
        Assert.Contains("Checked out by Alice", (await bobsWrite.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var renewNoToken = await alice.SendAsync(Request(HttpMethod.Put, $"/api/leases/product/{id}"));
        Assert.Equal(HttpStatusCode.BadRequest, renewNoToken.StatusCode);
        using var renewGuess = await bob.SendAsync(Request(HttpMethod.Put, $"/api/leases/product/{id}", leaseToken: Guid.NewGuid()));
        Assert.Equal(HttpStatusCode.Conflict, renewGuess.StatusCode);
        using var releaseGuess = await bob.SendAsync(Request(HttpMethod.Delete, $"/api/leases/product/{id}", leaseToken: Guid.NewGuid()));
        Assert.Equal(HttpStatusCode.Conflict, releaseGuess.StatusCode);
        using var renewed = await alice.SendAsync(Request(HttpMethod.Put, $"/api/leases/product/{id}", leaseToken: token));
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);

        using var alicesWrite = await alice.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", Body(product, stock: 2), ifMatch: "\"1\"", leaseToken: token));
        Assert.Equal(HttpStatusCode.OK, alicesWrite.StatusCode);

        using var editorForce = await bob.SendAsync(Request(HttpMethod.Post, $"/api/leases/product/{id}/force-release", new { reason = "mine" }));
        Assert.Equal(HttpStatusCode.Forbidden, editorForce.StatusCode);
        using var noReason = await admin.SendAsync(Request(HttpMethod.Post, $"/api/leases/product/{id}/force-release", new { reason = "" }));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        using var forced = await admin.SendAsync(Request(HttpMethod.Post, $"/api/leases/product/{id}/force-release", new { reason = "audit" }));
        Assert.Equal(HttpStatusCode.NoContent, forced.StatusCode);

        // Alice's token no longer names a live lease: her fenced write is refused and changes nothing.
        using var stale = await alice.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", Body(product, stock: 3), ifMatch: "\"2\"", leaseToken: token));
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(2, (await (await alice.GetAsync($"/api/products/{id}")).JsonAsync()).GetProperty("stock").GetInt32());
    }

    [Fact]
    public async Task SixteenClients_HundredIncrementsEach_WithIfMatchAndRetryOn412_LoseNothing()
    {
        const int clients = 16;
        const int increments = 100;
        using var setup = await SignedInAsync(host.BaseAddress, "alice");
        var id = await NewProductAsync(setup, "API-RACE-1");
        var token = await TokenAsync(host.BaseAddress, "bob");
        var acknowledged = 0;
        var retries = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            using var client = Anonymous(host.BaseAddress);
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            using var first = await client.GetAsync($"/api/products/{id}");
            var (current, etag) = (await first.JsonAsync(), first.Headers.ETag!.Tag);
            for (var i = 0; i < increments; i++)
            {
                while (true)
                {
                    using var put = await client.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", Body(current, stock: current.GetProperty("stock").GetInt32() + 1), ifMatch: etag));
                    if (put.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref acknowledged);
                        (current, etag) = (await put.JsonAsync(), put.Headers.ETag!.Tag);
                        break;
                    }

                    Assert.Equal(HttpStatusCode.PreconditionFailed, put.StatusCode);
                    Interlocked.Increment(ref retries);
                    var problem = await put.JsonAsync();
                    (current, etag) = (problem.GetProperty("current"), problem.GetProperty("etag").GetString()!);
                }
            }
        })));

        var final = (await host.Services.GetRequiredService<ProductStore>().GetAsync(id))!;
        output.WriteLine($"{clients} clients x {increments} increments over HTTP: {acknowledged} 2xx, {retries} 412 retries, final stock {final.Values.Stock}, version {final.Version}, {started.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(clients * increments, acknowledged);
        Assert.Equal(acknowledged, final.Values.Stock);
        Assert.Equal(1 + acknowledged, final.Version);
    }

    [Fact]
    public async Task OrderLines_ChangeOnlyThroughTheirOrder_UnderOneVersion()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var productId = await NewProductAsync(alice, "API-ORD-P1");
        using var created = await alice.SendAsync(Request(HttpMethod.Post, "/api/orders", new { customerName = "API customer", notes = "" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var orderId = (await created.JsonAsync()).GetProperty("id").GetInt32();

        using var withLines = await alice.SendAsync(Request(HttpMethod.Put, $"/api/orders/{orderId}",
            new { customerName = "API customer", status = "Draft", notes = "", lines = new[] { new { productId, quantity = 3 }, new { productId, quantity = 4 } } }, ifMatch: "\"1\""));
        Assert.Equal(HttpStatusCode.OK, withLines.StatusCode);
        var order = await withLines.JsonAsync();
        Assert.Equal(2, order.GetProperty("version").GetInt32());
        Assert.Equal(2, order.GetProperty("lines").GetArrayLength());
        Assert.Equal(70m, order.GetProperty("total").GetDecimal());

        var keep = order.GetProperty("lines")[0].GetProperty("id").GetGuid();
        using var submitted = await alice.SendAsync(Request(HttpMethod.Put, $"/api/orders/{orderId}",
            new { customerName = "API customer", status = "Submitted", notes = "", lines = new[] { new { id = keep, productId, quantity = 5 } } }, ifMatch: "\"2\""));
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        var after = await submitted.JsonAsync();
        Assert.Equal((3, "Submitted", 1, keep), (after.GetProperty("version").GetInt32(), after.GetProperty("status").GetString(), after.GetProperty("lines").GetArrayLength(), after.GetProperty("lines")[0].GetProperty("id").GetGuid()));

        using var badTransition = await alice.SendAsync(Request(HttpMethod.Put, $"/api/orders/{orderId}",
            new { customerName = "API customer", status = "Fulfilled", notes = "", lines = Array.Empty<object>() }, ifMatch: "\"3\""));
        Assert.Equal(HttpStatusCode.BadRequest, badTransition.StatusCode);
        Assert.Contains("Lines", (await badTransition.JsonAsync()).GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task History_ListsVersionsWithDiffsAndLeaseEvents_AndRestoreIsVersionChecked()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var id = await NewProductAsync(alice, "API-HIST-1");
        var product = await (await alice.GetAsync($"/api/products/{id}")).JsonAsync();
        using (var v2 = await alice.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", Body(product, stock: 7, name: "Renamed"), ifMatch: "\"1\"")))
        {
            Assert.Equal(HttpStatusCode.OK, v2.StatusCode);
        }

        using (var lease = await alice.PostAsync($"/api/leases/product/{id}", null))
        {
            var token = (await lease.JsonAsync()).GetProperty("token").GetGuid();
            using var released = await alice.SendAsync(Request(HttpMethod.Delete, $"/api/leases/product/{id}", leaseToken: token));
            Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        }

        var history = await (await alice.GetAsync($"/api/products/{id}/history")).JsonAsync();
        var versions = history.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "version").ToList();
        Assert.Equal([2, 1], versions.Select(v => v.GetProperty("version").GetInt32()));
        var changed = versions[0].GetProperty("fields").EnumerateArray().Select(f => (f.GetProperty("field").GetString(), f.GetProperty("new").ToString())).ToList();
        Assert.Contains(("Name", "Renamed"), changed);
        Assert.Contains(("Stock", "7"), changed);
        Assert.Contains(history.EnumerateArray(), e => e.GetProperty("type").GetString() == "lease" && e.GetProperty("action").GetString() == "released");

        using var stale = await alice.SendAsync(Request(HttpMethod.Post, $"/api/products/{id}/history/1/restore", ifMatch: "\"1\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        using var restored = await alice.SendAsync(Request(HttpMethod.Post, $"/api/products/{id}/history/1/restore", ifMatch: "\"2\""));
        Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        var now = await restored.JsonAsync();
        Assert.Equal((3, "API product", 0), (now.GetProperty("version").GetInt32(), now.GetProperty("name").GetString(), now.GetProperty("stock").GetInt32()));

        using var missing = await alice.GetAsync("/api/products/999999/history");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}

using System.Net;
using System.Text.Json;
using Xunit.Abstractions;
using static CollabEditor.WebApp.Tests.ApiClient;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// Leases for programs (issue 12): a token works only for the user it was granted to, each acquire
/// is its own holder, and a retried acquire is recognised by its Idempotency-Key.
/// </summary>
public sealed class ApiLeaseTests(AppHost host, ITestOutputHelper output) : IClassFixture<AppHost>
{
    private const int Racers = 16;

    private static object Body(JsonElement p, int stock) => new
    {
        sku = p.GetProperty("sku").GetString(),
        name = p.GetProperty("name").GetString(),
        description = p.GetProperty("description").GetString(),
        price = p.GetProperty("price").GetDecimal(),
        stock,
        requiresCheckout = p.GetProperty("requiresCheckout").GetBoolean(),
    };

    private static async Task<(int Id, JsonElement Product)> NewProductAsync(HttpClient client, string sku)
    {
        using var created = await client.SendAsync(Request(HttpMethod.Post, "/api/products", new { sku, name = "Lease product", description = "", price = 10m, stock = 0, requiresCheckout = false }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var product = await created.JsonAsync();
        return (product.GetProperty("id").GetInt32(), product);
    }

    private static async Task<int> NewOrderAsync(HttpClient client)
    {
        using var created = await client.SendAsync(Request(HttpMethod.Post, "/api/orders", new { customerName = "Lease customer", notes = "" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.JsonAsync()).GetProperty("id").GetInt32();
    }

    private static HttpRequestMessage Acquire(string path, string? idempotencyKey)
    {
        var request = Request(HttpMethod.Post, path);
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return request;
    }

    private static async Task<Guid> AcquireAsync(HttpClient client, string path)
    {
        using var acquired = await client.SendAsync(Acquire(path, null));
        Assert.Equal(HttpStatusCode.Created, acquired.StatusCode);
        return (await acquired.JsonAsync()).GetProperty("token").GetGuid();
    }

    private static async Task AssertForbiddenAsync(HttpResponseMessage response, string what)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{what}: expected 403, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("belongs to Alice", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherUsersToken_IsRefused403_ForWriteRenewReleaseAndRestore_AndTheLeaseStays()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        using var bob = await SignedInAsync(host.BaseAddress, "bob");
        var (id, product) = await NewProductAsync(alice, "HOLDER-P1");
        var lease = $"/api/leases/product/{id}";
        var token = await AcquireAsync(alice, lease);
        using (var v2 = await alice.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", Body(product, 3), ifMatch: "\"1\"", leaseToken: token)))
        {
            Assert.Equal(HttpStatusCode.OK, v2.StatusCode);
        }

        using (var put = await bob.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", Body(product, 5), ifMatch: "\"2\"", leaseToken: token)))
        {
            await AssertForbiddenAsync(put, "product PUT");
        }

        using (var restore = await bob.SendAsync(Request(HttpMethod.Post, $"/api/products/{id}/history/1/restore", ifMatch: "\"2\"", leaseToken: token)))
        {
            await AssertForbiddenAsync(restore, "product restore");
        }

        using (var delete = await bob.SendAsync(Request(HttpMethod.Delete, $"/api/products/{id}", ifMatch: "\"2\"", leaseToken: token)))
        {
            await AssertForbiddenAsync(delete, "product DELETE");
        }

        using (var renew = await bob.SendAsync(Request(HttpMethod.Put, lease, leaseToken: token)))
        {
            await AssertForbiddenAsync(renew, "renew");
        }

        using (var release = await bob.SendAsync(Request(HttpMethod.Delete, lease, leaseToken: token)))
        {
            await AssertForbiddenAsync(release, "release");
        }

        // Nothing changed, and the lease is still Alice's: her token still works.
        using var get = await alice.GetAsync($"/api/products/{id}");
        Assert.Equal("\"2\"", get.Headers.ETag!.Tag);
        using var hers = await alice.SendAsync(Request(HttpMethod.Put, $"/api/products/{id}", Body(product, 7), ifMatch: "\"2\"", leaseToken: token));
        Assert.Equal(HttpStatusCode.OK, hers.StatusCode);
        Assert.Equal("Alice", (await hers.JsonAsync()).GetProperty("lastChangedBy").GetString());
        using var renewed = await alice.SendAsync(Request(HttpMethod.Put, lease, leaseToken: token));
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        using var released = await alice.SendAsync(Request(HttpMethod.Delete, lease, leaseToken: token));
        Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
    }

    [Fact]
    public async Task AnotherUsersToken_IsRefused403_OnOrders()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        using var bob = await SignedInAsync(host.BaseAddress, "bob");
        var id = await NewOrderAsync(alice);
        var token = await AcquireAsync(alice, $"/api/leases/order/{id}");
        var body = new { customerName = "Bob was here", status = "Draft", notes = "", lines = Array.Empty<object>() };

        using (var put = await bob.SendAsync(Request(HttpMethod.Put, $"/api/orders/{id}", body, ifMatch: "\"1\"", leaseToken: token)))
        {
            await AssertForbiddenAsync(put, "order PUT");
        }

        using (var delete = await bob.SendAsync(Request(HttpMethod.Delete, $"/api/orders/{id}", ifMatch: "\"1\"", leaseToken: token)))
        {
            await AssertForbiddenAsync(delete, "order DELETE");
        }

        using var get = await alice.GetAsync($"/api/orders/{id}");
        Assert.Equal("\"1\"", get.Headers.ETag!.Tag);
        using var hers = await alice.SendAsync(Request(HttpMethod.Put, $"/api/orders/{id}", body, ifMatch: "\"1\"", leaseToken: token));
        Assert.Equal(HttpStatusCode.OK, hers.StatusCode);
    }

    [Fact]
    public async Task TwoAcquiresOfOneUser_AreTwoHolders_TheSecondGets423()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var (id, _) = await NewProductAsync(alice, "HOLDER-P2");
        var lease = $"/api/leases/product/{id}";
        var first = await AcquireAsync(alice, lease);

        using var second = await alice.SendAsync(Acquire(lease, null));
        Assert.Equal((HttpStatusCode)423, second.StatusCode);
        Assert.Equal("Alice", (await second.JsonAsync()).GetProperty("holder").GetString());

        // The first script still holds it.
        using var renewed = await alice.SendAsync(Request(HttpMethod.Put, lease, leaseToken: first));
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
    }

    [Fact]
    public async Task RetriedAcquire_WithTheSameIdempotencyKey_GetsTheSameLease_OtherUsersKeyIsAnotherHolder()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        using var bob = await SignedInAsync(host.BaseAddress, "bob");
        var (id, _) = await NewProductAsync(alice, "HOLDER-P3");
        var lease = $"/api/leases/product/{id}";
        var key = Guid.NewGuid().ToString();

        using var first = await alice.SendAsync(Acquire(lease, key));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var granted = await first.JsonAsync();
        using var retry = await alice.SendAsync(Acquire(lease, key));
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var again = await retry.JsonAsync();
        Assert.Equal(granted.GetProperty("token").GetGuid(), again.GetProperty("token").GetGuid());
        Assert.Equal(granted.GetProperty("fencing").GetInt64(), again.GetProperty("fencing").GetInt64());

        using var bobsSameKey = await bob.SendAsync(Acquire(lease, key));
        Assert.Equal((HttpStatusCode)423, bobsSameKey.StatusCode);
        using var otherKey = await alice.SendAsync(Acquire(lease, Guid.NewGuid().ToString()));
        Assert.Equal((HttpStatusCode)423, otherKey.StatusCode);

        // Once released, the same key is a new grant (a new token).
        using var released = await alice.SendAsync(Request(HttpMethod.Delete, lease, leaseToken: granted.GetProperty("token").GetGuid()));
        Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        using var afterRelease = await alice.SendAsync(Acquire(lease, key));
        Assert.Equal(HttpStatusCode.Created, afterRelease.StatusCode);
        Assert.NotEqual(granted.GetProperty("token").GetGuid(), (await afterRelease.JsonAsync()).GetProperty("token").GetGuid());
    }

    [Fact]
    public async Task RacingAcquires_DistinctKeys_OneGrant_SameKey_OneLease()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        for (var round = 0; round < 5; round++)
        {
            var (id, _) = await NewProductAsync(alice, $"HOLDER-RACE-{round}");
            var lease = $"/api/leases/product/{id}";

            var distinct = await Task.WhenAll(Enumerable.Range(0, Racers).Select(_ => Task.Run(async () =>
            {
                using var r = await alice.SendAsync(Acquire(lease, Guid.NewGuid().ToString()));
                return (r.StatusCode, Token: r.IsSuccessStatusCode ? (await r.JsonAsync()).GetProperty("token").GetGuid() : Guid.Empty);
            })));
            Assert.Equal(1, distinct.Count(r => r.StatusCode == HttpStatusCode.Created));
            Assert.Equal(Racers - 1, distinct.Count(r => r.StatusCode == (HttpStatusCode)423));
            var winner = distinct.Single(r => r.StatusCode == HttpStatusCode.Created).Token;
            using (var released = await alice.SendAsync(Request(HttpMethod.Delete, lease, leaseToken: winner)))
            {
                Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
            }

            var key = Guid.NewGuid().ToString();
            var same = await Task.WhenAll(Enumerable.Range(0, Racers).Select(_ => Task.Run(async () =>
            {
                using var r = await alice.SendAsync(Acquire(lease, key));
                return (r.StatusCode, Token: r.IsSuccessStatusCode ? (await r.JsonAsync()).GetProperty("token").GetGuid() : Guid.Empty);
            })));
            output.WriteLine($"round {round}: distinct keys {string.Join(",", distinct.Select(r => (int)r.StatusCode))}; same key {string.Join(",", same.Select(r => (int)r.StatusCode))}");
            Assert.Equal(1, same.Count(r => r.StatusCode == HttpStatusCode.Created));
            Assert.Equal(Racers - 1, same.Count(r => r.StatusCode == HttpStatusCode.OK));
            Assert.Single(same.Select(r => r.Token).Distinct());
        }
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using static CollabEditor.WebApp.Tests.ApiClient;

namespace CollabEditor.WebApp.Tests;

/// <summary>/api/customers over a real port (the products' preconditions, PATCH and fencing), and the orders' customerId.</summary>
public sealed class CustomersApiTests(AppHost host) : IClassFixture<AppHost>
{
    private static object Body(JsonElement c, string? phone = null) => new
    {
        name = c.GetProperty("name").GetString(),
        email = c.GetProperty("email").GetString(),
        phone = phone ?? c.GetProperty("phone").GetString(),
        address = c.GetProperty("address").GetString(),
        notes = c.GetProperty("notes").GetString(),
    };

    private static async Task<JsonElement> NewCustomerAsync(HttpClient client, string name)
    {
        using var created = await client.SendAsync(Request(HttpMethod.Post, "/api/customers",
            new { name, email = $"{Guid.NewGuid():N}@example.com", phone = "+44 20 7946 0000", address = "1 High St", notes = "" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("\"1\"", created.Headers.ETag!.Tag);
        return await created.JsonAsync();
    }

    private static async Task<HttpResponseMessage> PatchAsync(HttpClient client, string path, string contentType, string body, string ifMatch)
    {
        using var request = Request(HttpMethod.Patch, path, ifMatch: ifMatch);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return await client.SendAsync(request);
    }

    private static async Task<IReadOnlyList<string>> ErrorFieldsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var body = await response.JsonAsync();
        return body.TryGetProperty("errors", out var errors) ? [.. errors.EnumerateObject().Select(e => e.Name)] : [];
    }

    [Fact]
    public async Task PreconditionTable_NoIfMatch428_Stale412WithBody_Match200_Deleted404_IfNoneMatch304()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var customer = await NewCustomerAsync(alice, "API precondition customer");
        var id = customer.GetProperty("id").GetInt32();
        var path = $"/api/customers/{id}";

        using var get = await alice.GetAsync(path);
        Assert.Equal("\"1\"", get.Headers.ETag!.Tag);
        using var notModified = await alice.SendAsync(Request(HttpMethod.Get, path, ifNoneMatch: "\"1\""));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var noIfMatch = await alice.SendAsync(Request(HttpMethod.Put, path, Body(customer, phone: "020 7946 0001")));
        Assert.Equal((HttpStatusCode)428, noIfMatch.StatusCode);
        using var match = await alice.SendAsync(Request(HttpMethod.Put, path, Body(customer, phone: "020 7946 0001"), ifMatch: "\"1\""));
        Assert.Equal(HttpStatusCode.OK, match.StatusCode);
        Assert.Equal("\"2\"", match.Headers.ETag!.Tag);

        using var stale = await alice.SendAsync(Request(HttpMethod.Put, path, Body(customer, phone: "020 7946 0002"), ifMatch: "\"1\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        var problem = await stale.JsonAsync();
        Assert.Equal(("\"2\"", "020 7946 0001"), (problem.GetProperty("etag").GetString(), problem.GetProperty("current").GetProperty("phone").GetString()));

        using var staleDelete = await alice.SendAsync(Request(HttpMethod.Delete, path, ifMatch: "\"1\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, staleDelete.StatusCode);
        using var delete = await alice.SendAsync(Request(HttpMethod.Delete, path, ifMatch: "\"2\""));
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var gone = await alice.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task BadInput_Is400NamingTheField_AndChangesNothing()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var customer = await NewCustomerAsync(alice, "API bad input customer");
        var path = $"/api/customers/{customer.GetProperty("id").GetInt32()}";

        using var missing = await alice.SendAsync(Request(HttpMethod.Put, path, new { name = "x", email = "a@example.com", phone = "", address = "" }, ifMatch: "\"1\""));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("notes", (await missing.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var badEmail = await alice.SendAsync(Request(HttpMethod.Post, "/api/customers", new { name = "x", email = "not-an-email", phone = "", address = "", notes = "" }));
        Assert.Equal(["Email"], await ErrorFieldsAsync(badEmail));
        using var nullName = await PatchAsync(alice, path, "application/merge-patch+json", """{"name": null}""", "\"1\"");
        Assert.Equal(HttpStatusCode.BadRequest, nullName.StatusCode);
        Assert.Contains("'name'", (await nullName.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var readOnly = await PatchAsync(alice, path, "application/merge-patch+json", """{"version": 7}""", "\"1\"");
        Assert.Equal(HttpStatusCode.BadRequest, readOnly.StatusCode);
        Assert.Contains("'version'", (await readOnly.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var after = await alice.GetAsync(path);
        Assert.Equal("\"1\"", after.Headers.ETag!.Tag);
    }

    [Fact]
    public async Task Patch_MergePatchAndJsonPatch_ChangeOnlyWhatTheyName()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var customer = await NewCustomerAsync(alice, "API patch customer");
        var path = $"/api/customers/{customer.GetProperty("id").GetInt32()}";

        using var merged = await PatchAsync(alice, path, "application/merge-patch+json", """{"notes": "Net 30."}""", "\"1\"");
        Assert.Equal(HttpStatusCode.OK, merged.StatusCode);
        var body = await merged.JsonAsync();
        Assert.Equal(("Net 30.", "API patch customer", 2), (body.GetProperty("notes").GetString(), body.GetProperty("name").GetString(), body.GetProperty("version").GetInt32()));

        using var failedTest = await PatchAsync(alice, path, "application/json-patch+json", """[{"op": "test", "path": "/phone", "value": "wrong"}, {"op": "replace", "path": "/phone", "value": "1234567"}]""", "\"2\"");
        Assert.Equal(HttpStatusCode.Conflict, failedTest.StatusCode);
        using var patched = await PatchAsync(alice, path, "application/json-patch+json", """[{"op": "test", "path": "/phone", "value": "+44 20 7946 0000"}, {"op": "replace", "path": "/phone", "value": "+44 20 7946 0001"}]""", "\"2\"");
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(("+44 20 7946 0001", "Net 30.", "\"3\""), ((await patched.JsonAsync()).GetProperty("phone").GetString(), (await patched.JsonAsync()).GetProperty("notes").GetString(), patched.Headers.ETag!.Tag));
    }

    [Fact]
    public async Task Lease_OthersWritesAre423_TheHoldersTokenWrites_AndHistoryListsTheVersions()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        using var bob = await SignedInAsync(host.BaseAddress, "bob");
        var customer = await NewCustomerAsync(alice, "API lease customer");
        var id = customer.GetProperty("id").GetInt32();

        using var acquired = await alice.PostAsync($"/api/leases/customer/{id}", null);
        Assert.Equal(HttpStatusCode.Created, acquired.StatusCode);
        var token = (await acquired.JsonAsync()).GetProperty("token").GetGuid();
        using var missingCustomer = await alice.PostAsync("/api/leases/customer/999999", null);
        Assert.Equal(HttpStatusCode.NotFound, missingCustomer.StatusCode);

        using var bobsWrite = await bob.SendAsync(Request(HttpMethod.Put, $"/api/customers/{id}", Body(customer, phone: "1234567"), ifMatch: "\"1\""));
        Assert.Equal((HttpStatusCode)423, bobsWrite.StatusCode);
        using var bobsTokenWrite = await bob.SendAsync(Request(HttpMethod.Put, $"/api/customers/{id}", Body(customer, phone: "1234567"), ifMatch: "\"1\"", leaseToken: token));
        Assert.Equal(HttpStatusCode.Forbidden, bobsTokenWrite.StatusCode);
        using var alicesWrite = await alice.SendAsync(Request(HttpMethod.Put, $"/api/customers/{id}", Body(customer, phone: "7654321"), ifMatch: "\"1\"", leaseToken: token));
        Assert.Equal(HttpStatusCode.OK, alicesWrite.StatusCode);

        using var history = await alice.GetAsync($"/api/customers/{id}/history");
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        var versions = (await history.JsonAsync()).EnumerateArray().Where(e => e.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number).Select(e => e.GetProperty("version").GetInt32()).Distinct();
        Assert.Equal([2, 1], versions);
    }

    [Fact]
    public async Task Orders_CustomerId_LinksCopiesTheName_PutWithoutItKeepsTheLink_PatchClearsIt_UnknownIs400()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var customer = await NewCustomerAsync(alice, "API order customer");
        var customerId = customer.GetProperty("id").GetInt32();

        using var created = await alice.SendAsync(Request(HttpMethod.Post, "/api/orders", new { customerName = "typed", notes = "", customerId }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var order = await created.JsonAsync();
        var path = $"/api/orders/{order.GetProperty("id").GetInt32()}";
        Assert.Equal(("API order customer", customerId), (order.GetProperty("customerName").GetString(), order.GetProperty("customerId").GetInt32()));

        // An old client: the same name, no customerId — the link stays.
        using var oldClient = await alice.SendAsync(Request(HttpMethod.Put, path, new { customerName = "API order customer", status = "Draft", notes = "Old client.", lines = Array.Empty<object>() }, ifMatch: "\"1\""));
        Assert.Equal(HttpStatusCode.OK, oldClient.StatusCode);
        Assert.Equal(customerId, (await oldClient.JsonAsync()).GetProperty("customerId").GetInt32());

        using var unknown = await PatchAsync(alice, path, "application/merge-patch+json", """{"customerId": 999999}""", "\"2\"");
        Assert.Equal(["CustomerId"], await ErrorFieldsAsync(unknown));

        using var cleared = await PatchAsync(alice, path, "application/merge-patch+json", """{"customerId": null}""", "\"2\"");
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        var body = await cleared.JsonAsync();
        Assert.Equal((JsonValueKind.Null, "API order customer"), (body.GetProperty("customerId").ValueKind, body.GetProperty("customerName").GetString()));

        using var linked = await PatchAsync(alice, path, "application/json-patch+json", $$"""[{"op": "replace", "path": "/customerId", "value": {{customerId}}}]""", "\"3\"");
        Assert.Equal(HttpStatusCode.OK, linked.StatusCode);
        Assert.Equal(customerId, (await linked.JsonAsync()).GetProperty("customerId").GetInt32());

        // A changed name without customerId is a name of its own: the link goes.
        using var renamed = await alice.SendAsync(Request(HttpMethod.Put, path, new { customerName = "Walk-in", status = "Draft", notes = "", lines = Array.Empty<object>() }, ifMatch: "\"4\""));
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var after = await renamed.JsonAsync();
        Assert.Equal((JsonValueKind.Null, "Walk-in"), (after.GetProperty("customerId").ValueKind, after.GetProperty("customerName").GetString()));

        // The same for a PATCH that names only the name: not a 200 that ignores it.
        using var relinked = await PatchAsync(alice, path, "application/merge-patch+json", $$"""{"customerId": {{customerId}}}""", "\"5\"");
        Assert.Equal(HttpStatusCode.OK, relinked.StatusCode);
        using var patchedName = await PatchAsync(alice, path, "application/merge-patch+json", """{"customerName": "Walk-in again"}""", "\"6\"");
        Assert.Equal(HttpStatusCode.OK, patchedName.StatusCode);
        var patched = await patchedName.JsonAsync();
        Assert.Equal((JsonValueKind.Null, "Walk-in again", 7), (patched.GetProperty("customerId").ValueKind, patched.GetProperty("customerName").GetString(), patched.GetProperty("version").GetInt32()));
    }
}

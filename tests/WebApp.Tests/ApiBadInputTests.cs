using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Npgsql;
using Xunit.Abstractions;
using static CollabEditor.WebApp.Tests.ApiClient;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// Bad input over the real port: malformed JSON, wrong types, out-of-range and negative numbers,
/// overlong strings, oversized bodies, unknown ids, bad headers and query strings. Every one must
/// be answered 4xx with a problem body that says what was wrong, and the data must be unchanged.
/// </summary>
public sealed class ApiBadInputTests(AppHost host, ITestOutputHelper output) : IClassFixture<AppHost>
{
    private const string JsonType = "application/json";
    private const string MergeType = "application/merge-patch+json";
    private const string JsonPatchType = "application/json-patch+json";
    private const string Missing = "999999";

    /// <summary>One malformed request and what it must get: a 4xx (a given one, or any in a range) with a problem body.</summary>
    private sealed record Case(string Name, string Method, string Path, string? Body = null)
    {
        /// <summary>The Content-Type sent with the body, exactly; null sends none.</summary>
        public string? ContentType { get; init; } = JsonType;

        public string? IfMatch { get; init; }

        public string? LeaseToken { get; init; }

        /// <summary>Further request headers, sent as given.</summary>
        public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

        /// <summary>Who sends it: alice (Editor), admin, or "" for no bearer token.</summary>
        public string User { get; init; } = "alice";

        /// <summary>A raw Authorization header (with <see cref="User"/> "").</summary>
        public string? Authorization { get; init; }

        /// <summary>The exact status expected; when null, anything from <see cref="Min"/> to <see cref="Max"/>.</summary>
        public int? Status { get; init; }

        public int Min { get; init; } = 400;

        public int Max { get; init; } = 499;

        /// <summary>Text the problem's detail must contain (it names the field), when set.</summary>
        public string? Detail { get; init; }

        /// <summary>Keys the problem's <c>errors</c> object must have (validation problems).</summary>
        public IReadOnlyList<string> Errors { get; init; } = [];

        public override string ToString() => $"{Name}: {Method} {Path}";
    }

    /// <summary>Ids, ETags and values the cases need, read from the seeded data first.</summary>
    private sealed record Seeded(
        int ProductId, string ProductETag, Dictionary<string, object?> Product, string OtherSku,
        int DraftId, string DraftETag, Dictionary<string, object?> Draft, Guid DraftLineId, int DraftLineProductId,
        int FulfilledId, string FulfilledETag, Dictionary<string, object?> Fulfilled,
        int CancelledId, string CancelledETag, Dictionary<string, object?> Cancelled)
    {
        /// <summary>A product the admin has checked out (for alice presenting the admin's token), its ETag, body and the admin's token.</summary>
        public (int Id, string ETag, Dictionary<string, object?> Body, Guid Token) HeldByAdmin { get; init; }

        /// <summary>A customer the cases may try to write (none succeeds), its ETag and body.</summary>
        public (int Id, string ETag, Dictionary<string, object?> Body) Customer { get; init; }
    }

    [Fact]
    public async Task MalformedRequests_Are4xxProblems_AndChangeNothing()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        using var admin = await SignedInAsync(host.BaseAddress, "admin");
        using var anonymous = Anonymous(host.BaseAddress);
        var seeded = await SeededAsync(alice);
        seeded = seeded with { HeldByAdmin = await HeldByAdminAsync(admin, seeded) };
        var cases = Cases(seeded);
        Assert.True(cases.Count >= 55, $"only {cases.Count} cases");

        var before = await FingerprintAsync();
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var client = c.User switch { "alice" => alice, "admin" => admin, _ => anonymous };
            var (status, contentType, body, problems) = await SendAsync(client, c);
            output.WriteLine($"{status} {contentType} {c} {Shorten(body, 160)}");
            if (problems.Count > 0)
            {
                failures.Add($"{c}\n    got {status} {contentType}: {Shorten(body, 400)}\n    - {string.Join("\n    - ", problems)}");
            }
        }

        var wrong = failures.Count;
        var after = await FingerprintAsync();
        var changed = before.Keys.Where(k => before[k] != after[k]).Select(k => $"{k}: {before[k]} -> {after[k]}").ToList();
        if (changed.Count > 0)
        {
            failures.Add($"the data changed: {string.Join("; ", changed)}");
        }

        output.WriteLine($"{cases.Count} malformed requests, {wrong} answered wrongly, data {(changed.Count == 0 ? "unchanged" : "changed")}");
        Assert.True(failures.Count == 0, $"{wrong} of {cases.Count} malformed requests were not answered as they should be{(changed.Count == 0 ? "" : ", and the data changed")}:\n{string.Join("\n", failures)}");
    }

    [Fact]
    public async Task ProductValidation_NamesEveryBrokenFieldAndRule()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var before = await FingerprintAsync();
        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["sku"] = "bad sku!", ["name"] = " ", ["description"] = new string('d', 4001), ["price"] = -1m, ["stock"] = -1, ["requiresCheckout"] = false,
        });
        using var request = Raw("POST", "/api/products", body, JsonType);
        using var response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        string[] expected = ["Description", "Name", "Price", "Sku", "Stock"];
        Assert.Equal(expected, errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Contains("letters, digits and dashes", errors.GetProperty("Sku")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("required", errors.GetProperty("Name")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("at most 4000", errors.GetProperty("Description")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("0 or more", errors.GetProperty("Price")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("0 or more", errors.GetProperty("Stock")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await FingerprintAsync());
    }

    [Fact]
    public async Task OrderValidation_NamesEveryBrokenLineByItsOwnIndex()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var seeded = await SeededAsync(alice);
        var before = await FingerprintAsync();
        var body = Order(seeded.Draft, ("customerName", ""), ("notes", new string('n', 2001)), ("lines", new object[]
        {
            new { productId = 999999, quantity = 1 },
            new { id = Guid.NewGuid(), productId = seeded.DraftLineProductId, quantity = 1 },
            new { productId = seeded.DraftLineProductId, quantity = 0 },
            new { productId = seeded.DraftLineProductId, quantity = 1, unitPrice = -1m },
        }));
        using var request = Raw("PUT", $"/api/orders/{seeded.DraftId}", body, JsonType);
        request.Headers.TryAddWithoutValidation("If-Match", seeded.DraftETag);
        using var response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        var keys = errors.EnumerateObject().Select(p => p.Name).ToList();
        output.WriteLine(errors.ToString());
        // Each error must name the line the client sent, not its position among the lines that survived the lookups.
        string[] expected = ["CustomerName", "Lines[0].ProductId", "Lines[1].Id", "Lines[2].Quantity", "Lines[3].UnitPrice", "Notes"];
        Assert.Equal(expected, keys.Order(StringComparer.Ordinal));
        Assert.Contains("Line 3", errors.GetProperty("Lines[2].Quantity")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await FingerprintAsync());
    }

    [Fact]
    public async Task BadJson_SaysWhereItBroke_AndOversizedBody_Is413()
    {
        using var alice = await SignedInAsync(host.BaseAddress, "alice");
        var before = await FingerprintAsync();

        using var wrongTypeRequest = Raw("POST", "/api/products", """{"sku":"BAD-J1","name":"x","price":1,"stock":1.5,"requiresCheckout":false}""", JsonType);
        using var wrongType = await alice.SendAsync(wrongTypeRequest);
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        var problem = await wrongType.JsonAsync();
        Assert.Equal("Malformed request", problem.GetProperty("title").GetString());
        Assert.Contains("$.stock", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var truncatedRequest = Raw("POST", "/api/orders", """{"customerName":"x","notes":""", JsonType);
        using var truncated = await alice.SendAsync(truncatedRequest);
        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace((await truncated.JsonAsync()).GetProperty("detail").GetString()));

        var huge = JsonSerializer.Serialize(new { sku = "BAD-J2", name = "x", description = new string('d', 100_000), price = 1m, stock = 1, requiresCheckout = false });
        using var oversizedRequest = Raw("POST", "/api/products", huge, JsonType);
        using var oversized = await alice.SendAsync(oversizedRequest);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Equal("application/problem+json", oversized.Content.Headers.ContentType?.MediaType);
        var tooLarge = await oversized.JsonAsync();
        Assert.Equal(413, tooLarge.GetProperty("status").GetInt32());
        Assert.Contains("large", tooLarge.GetProperty("title").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await FingerprintAsync());
    }

    private static List<Case> Cases(Seeded s)
    {
        var p = $"/api/products/{s.ProductId}";
        var d = $"/api/orders/{s.DraftId}";
        var lease = $"/api/leases/product/{s.ProductId}";
        var draftLine = new Dictionary<string, object?> { ["id"] = s.DraftLineId, ["productId"] = s.DraftLineProductId, ["quantity"] = 1 };
        string NewProduct(params (string Key, object? Value)[] changes) => With(NewProductValues, changes);
        string NewCustomer(params (string Key, object? Value)[] changes) => With(NewCustomerValues, changes);
        var c = $"/api/customers/{s.Customer.Id}";
        string Line(params (string Key, object? Value)[] changes) => Order(s.Draft, ("lines", new[] { Merge(draftLine, changes) }));
        string NewLine(params (string Key, object? Value)[] changes) =>
            Order(s.Draft, ("lines", new[] { Merge(new() { ["productId"] = s.DraftLineProductId, ["quantity"] = 1 }, changes) }));
        string Reason(string? reason) => JsonSerializer.Serialize(new { reason });
        Dictionary<string, string> Idem(string key) => new() { ["Idempotency-Key"] = key };
        var heldProduct = $"/api/products/{s.HeldByAdmin.Id}";
        var held = $"/api/leases/product/{s.HeldByAdmin.Id}";
        var heldToken = s.HeldByAdmin.Token.ToString();

        return
        [
            // Products: JSON that is not a product.
            new("truncated JSON", "POST", "/api/products", """{"sku":"BAD-1","name":"x","price":1""") { Status = 400 },
            new("trailing comma", "POST", "/api/products", """{"sku":"BAD-2","name":"x",}""") { Status = 400 },
            new("not JSON at all", "POST", "/api/products", "sku=BAD-3&name=x") { Status = 400 },
            new("empty body", "POST", "/api/products", string.Empty) { Status = 400 },
            new("null body", "POST", "/api/products", "null") { Status = 400 },
            new("array instead of object", "POST", "/api/products", "[" + NewProduct() + "]") { Status = 400 },
            new("string instead of object", "POST", "/api/products", "\"BAD-4\"") { Status = 400 },
            new("lone surrogate in a string", "POST", "/api/products", NewProduct(("name", "@@")).Replace("@@", "\\ud800", StringComparison.Ordinal)) { Status = 400 },
            new("text/plain body", "POST", "/api/products", NewProduct()) { ContentType = "text/plain", Status = 415 },
            new("no Content-Type", "POST", "/api/products", NewProduct()) { ContentType = null, Status = 415 },
            new("application/xml body", "POST", "/api/products", "<product><sku>BAD-5</sku></product>") { ContentType = "application/xml", Status = 415 },
            new("unknown charset", "POST", "/api/products", NewProduct()) { ContentType = "application/json; charset=no-such-charset" },

            // Products: wrong types and out-of-range numbers.
            new("price is a word", "POST", "/api/products", NewProduct(("price", "cheap"))) { Status = 400 },
            new("stock is a fraction", "POST", "/api/products", NewProduct(("stock", 1.5))) { Status = 400 },
            new("stock is a word", "POST", "/api/products", NewProduct(("stock", "x"))) { Status = 400 },
            new("requiresCheckout is a word", "POST", "/api/products", NewProduct(("requiresCheckout", "yes"))) { Status = 400 },
            new("sku is a number", "POST", "/api/products", NewProduct(("sku", 123))) { Status = 400 },
            new("name is an object", "POST", "/api/products", NewProduct(("name", new { first = "x" }))) { Status = 400 },
            new("stock beyond int", "POST", "/api/products", NewProduct(("stock", 99_999_999_999L))) { Status = 400 },
            new("price beyond decimal", "POST", "/api/products", NewProduct(("price", 1e40))) { Status = 400 },

            // Products: values that break the rules.
            new("negative price", "POST", "/api/products", NewProduct(("price", -0.01m))) { Status = 400, Errors = ["Price"] },
            new("negative stock", "POST", "/api/products", NewProduct(("stock", -1))) { Status = 400, Errors = ["Stock"] },
            new("price too large", "POST", "/api/products", NewProduct(("price", 1_000_000_001m))) { Status = 400, Errors = ["Price"] },
            new("price with three decimals", "POST", "/api/products", NewProduct(("price", 1.234m))) { Status = 400, Errors = ["Price"] },
            new("sku of 33 characters", "POST", "/api/products", NewProduct(("sku", new string('S', 33)))) { Status = 400, Errors = ["Sku"] },
            new("name of 201 characters", "POST", "/api/products", NewProduct(("name", new string('n', 201)))) { Status = 400, Errors = ["Name"] },
            new("description of 4001 characters", "POST", "/api/products", NewProduct(("description", new string('d', 4001)))) { Status = 400, Errors = ["Description"] },
            new("empty sku", "POST", "/api/products", NewProduct(("sku", ""))) { Status = 400, Errors = ["Sku"] },
            new("null sku", "POST", "/api/products", NewProduct(("sku", null))) { Status = 400, Errors = ["Sku"] },
            new("empty name", "POST", "/api/products", NewProduct(("name", "   "))) { Status = 400, Errors = ["Name"] },
            new("sku with spaces and punctuation", "POST", "/api/products", NewProduct(("sku", "BAD SKU!"))) { Status = 400, Errors = ["Sku"] },
            new("duplicate sku", "POST", "/api/products", NewProduct(("sku", s.OtherSku))) { Status = 400, Errors = ["Sku"] },
            new("PUT duplicate sku", "PUT", p, With(s.Product, ("sku", s.OtherSku))) { IfMatch = s.ProductETag, Status = 400, Errors = ["Sku"] },
            new("NUL character in name", "POST", "/api/products", NewProduct(("name", "bad\0name"))) { Status = 400, Errors = ["Name"] },
            new("oversized body (100,000-character description)", "POST", "/api/products", NewProduct(("description", new string('d', 100_000)))) { Status = 413 },

            // Products: replace and delete with a bad body, precondition or lease token.
            new("PUT negative price", "PUT", p, With(s.Product, ("price", -5m))) { IfMatch = s.ProductETag, Status = 400, Errors = ["Price"] },
            new("PUT overlong name and negative stock", "PUT", p, With(s.Product, ("name", new string('n', 201)), ("stock", -1))) { IfMatch = s.ProductETag, Status = 400, Errors = ["Name", "Stock"] },
            new("PUT truncated JSON", "PUT", p, """{"sku":""") { IfMatch = s.ProductETag, Status = 400 },
            new("PUT without If-Match", "PUT", p, With(s.Product)) { Status = 428 },
            new("PUT If-Match unquoted", "PUT", p, With(s.Product)) { IfMatch = "7", Status = 400 },
            new("PUT If-Match not a version", "PUT", p, With(s.Product)) { IfMatch = "\"x\"", Status = 400 },
            new("PUT If-Match two versions", "PUT", p, With(s.Product)) { IfMatch = "\"1\", \"2\"", Status = 400 },
            new("PUT If-Match beyond int", "PUT", p, With(s.Product)) { IfMatch = "\"99999999999\"", Status = 400 },
            new("PUT stale If-Match", "PUT", p, With(s.Product, ("stock", 1))) { IfMatch = "\"999\"", Status = 412 },
            new("PUT without price", "PUT", p, Without(s.Product, "price")) { IfMatch = s.ProductETag, Status = 400, Detail = "price" },
            new("PUT without stock", "PUT", p, Without(s.Product, "stock")) { IfMatch = s.ProductETag, Status = 400, Detail = "stock" },
            new("PUT without description", "PUT", p, Without(s.Product, "description")) { IfMatch = s.ProductETag, Status = 400, Detail = "description" },
            new("PUT without requiresCheckout", "PUT", p, Without(s.Product, "requiresCheckout")) { IfMatch = s.ProductETag, Status = 400, Detail = "requiresCheckout" },
            new("PUT If-Match empty list", "PUT", p, With(s.Product, ("stock", 1))) { IfMatch = ",", Status = 400 },
            new("PUT If-Match empty list of two", "PUT", p, With(s.Product, ("stock", 1))) { IfMatch = ", ,", Status = 400 },
            new("DELETE If-Match empty list", "DELETE", p) { IfMatch = ",", Status = 400 },
            new("PUT If-Match weak", "PUT", p, With(s.Product, ("stock", 1))) { IfMatch = "W/" + s.ProductETag, Status = 412 },
            new("DELETE If-Match weak", "DELETE", p) { IfMatch = "W/" + s.ProductETag, Status = 412 },
            new("PUT If-Match * (a blind overwrite)", "PUT", p, With(s.Product, ("stock", 1))) { IfMatch = "*", Status = 428 },
            new("DELETE If-Match *", "DELETE", p) { IfMatch = "*", Status = 428 },
            new("PUT If-Match * among tags", "PUT", p, With(s.Product, ("stock", 1))) { IfMatch = "*, garbage", Status = 400 },
            new("PUT zero Lease-Token (names no live lease)", "PUT", p, With(s.Product, ("stock", 1))) { IfMatch = s.ProductETag, LeaseToken = Guid.Empty.ToString(), Status = 409 },
            // A delete under an ended lease answers 423 (nothing deleted); the zero token is answered like any other that names no live lease.
            new("DELETE zero Lease-Token", "DELETE", p) { IfMatch = s.ProductETag, LeaseToken = Guid.Empty.ToString(), Status = 423 },
            new("DELETE made-up Lease-Token", "DELETE", p) { IfMatch = s.ProductETag, LeaseToken = Guid.NewGuid().ToString(), Status = 423 },
            new("charset utf-7", "POST", "/api/products", NewProduct()) { ContentType = "application/json; charset=utf-7", Status = 415 },
            new("PUT malformed Lease-Token", "PUT", p, With(s.Product)) { IfMatch = s.ProductETag, LeaseToken = "not-a-guid", Status = 400 },
            new("PUT made-up Lease-Token", "PUT", p, With(s.Product, ("stock", 1))) { IfMatch = s.ProductETag, LeaseToken = Guid.NewGuid().ToString(), Status = 409 },
            new("PUT unknown product", "PUT", $"/api/products/{Missing}", With(s.Product)) { IfMatch = "*", Status = 404 },
            new("PUT negative product id", "PUT", "/api/products/-1", With(s.Product)) { IfMatch = "*", Status = 404 },
            new("GET unknown product", "GET", $"/api/products/{Missing}") { Status = 404 },
            new("GET non-integer product id", "GET", "/api/products/abc") { Status = 404 },
            new("GET product id beyond int", "GET", "/api/products/99999999999") { Status = 404 },
            new("DELETE unknown product", "DELETE", $"/api/products/{Missing}") { IfMatch = "*", Status = 404 },
            new("DELETE without If-Match", "DELETE", p) { Status = 428 },
            new("DELETE If-Match weak garbage", "DELETE", p) { IfMatch = "W/\"x\"", Status = 400 },
            new("PATCH is not offered on the collection", "PATCH", "/api/products", "{}") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 405 },
            new("page is a word", "GET", "/api/products?page=abc") { Status = 400 },
            new("pageSize is a fraction", "GET", "/api/products?pageSize=1.5") { Status = 400 },
            new("desc is not a boolean", "GET", "/api/products?desc=maybe") { Status = 400 },
            new("page beyond int", "GET", "/api/products?page=99999999999") { Status = 400 },
            // Past the end is an empty page or a 400, never a server error.
            new("page so large the offset overflows", "GET", "/api/products?page=100000000") { Min = 200 },
            new("NUL character in search", "GET", "/api/products?search=%00") { Min = 200 },

            // Orders: create.
            new("order: truncated JSON", "POST", "/api/orders", """{"customerName":""") { Status = 400 },
            new("order: array instead of object", "POST", "/api/orders", """[{"customerName":"x"}]""") { Status = 400 },
            new("order: customerName is a number", "POST", "/api/orders", """{"customerName":123,"notes":""}""") { Status = 400 },
            new("order: empty customerName", "POST", "/api/orders", """{"customerName":"  ","notes":""}""") { Status = 400, Errors = ["CustomerName"] },
            new("order: customerName of 201 characters", "POST", "/api/orders", JsonSerializer.Serialize(new { customerName = new string('c', 201), notes = "" })) { Status = 400, Errors = ["CustomerName"] },
            new("order: notes of 2001 characters", "POST", "/api/orders", JsonSerializer.Serialize(new { customerName = "Bad input", notes = new string('n', 2001) })) { Status = 400, Errors = ["Notes"] },
            new("order: NUL character in customerName", "POST", "/api/orders", JsonSerializer.Serialize(new { customerName = "bad\0customer", notes = "" })) { Status = 400, Errors = ["CustomerName"] },

            // Orders: replace with a bad header, bad lines, a forbidden transition or a read-only order.
            new("order PUT: status unknown word", "PUT", d, Order(s.Draft, ("status", "Shipped"))) { IfMatch = s.DraftETag, Status = 400 },
            new("order PUT: status undefined number", "PUT", d, Order(s.Draft, ("status", 7))) { IfMatch = s.DraftETag, Status = 400, Detail = "Draft, Submitted, Fulfilled, Cancelled" },
            new("order PUT: Draft to Fulfilled", "PUT", d, Order(s.Draft, ("status", "Fulfilled"))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Status"] },
            new("order PUT: empty customerName", "PUT", d, Order(s.Draft, ("customerName", ""))) { IfMatch = s.DraftETag, Status = 400, Errors = ["CustomerName"] },
            new("order PUT: notes of 2001 characters", "PUT", d, Order(s.Draft, ("notes", new string('n', 2001)))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Notes"] },
            new("order PUT: line id not on the order", "PUT", d, Line(("id", Guid.NewGuid()))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Lines[0].Id"] },
            new("order PUT: line id not a GUID", "PUT", d, Line(("id", "line-1"))) { IfMatch = s.DraftETag, Status = 400 },
            new("order PUT: line productId 0", "PUT", d, NewLine(("productId", 0))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Lines[0].ProductId"] },
            new("order PUT: line with unknown product", "PUT", d, NewLine(("productId", 999_999))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Lines[0].ProductId"] },
            new("order PUT: quantity 0", "PUT", d, Line(("quantity", 0))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Lines[0].Quantity"] },
            new("order PUT: negative quantity", "PUT", d, NewLine(("quantity", -3))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Lines[0].Quantity"] },
            new("order PUT: quantity too large", "PUT", d, Line(("quantity", 1_000_001))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Lines[0].Quantity"] },
            new("order PUT: quantity is a word", "PUT", d, Line(("quantity", "many"))) { IfMatch = s.DraftETag, Status = 400 },
            new("order PUT: negative unitPrice", "PUT", d, Line(("unitPrice", -1m))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Lines[0].UnitPrice"] },
            new("order PUT: unitPrice with three decimals", "PUT", d, Line(("unitPrice", 1.005m))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Lines[0].UnitPrice"] },
            new("order PUT: unitPrice beyond decimal", "PUT", d, Line(("unitPrice", 1e40))) { IfMatch = s.DraftETag, Status = 400 },
            new("order PUT: lines is an object", "PUT", d, Order(s.Draft, ("lines", new { productId = 1 }))) { IfMatch = s.DraftETag, Status = 400 },
            new("order PUT: a null line", "PUT", d, Order(s.Draft, ("lines", new object?[] { null }))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Lines[0]"] },
            new("order PUT: the same line twice", "PUT", d, Order(s.Draft, ("lines", new[] { draftLine, draftLine }))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Lines"] },
            new("order PUT: 2001 lines", "PUT", d, Order(s.Draft, ("lines", Enumerable.Repeat(new { productId = s.DraftLineProductId, quantity = 1 }, 2001)))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Lines"] },
            new("order PUT: without If-Match", "PUT", d, Order(s.Draft, ("notes", "changed"))) { Status = 428 },
            new("order PUT: If-Match not a version", "PUT", d, Order(s.Draft, ("notes", "changed"))) { IfMatch = "abc", Status = 400 },
            new("order PUT: without lines", "PUT", d, Without(s.Draft, "lines")) { IfMatch = s.DraftETag, Status = 400, Errors = ["Lines"] },
            new("order PUT: without status", "PUT", d, Without(s.Draft, "status")) { IfMatch = s.DraftETag, Status = 400, Detail = "status" },
            new("order PUT: without notes", "PUT", d, Without(s.Draft, "notes")) { IfMatch = s.DraftETag, Status = 400, Detail = "notes" },
            new("order PUT: without customerName", "PUT", d, Without(s.Draft, "customerName")) { IfMatch = s.DraftETag, Status = 400, Detail = "customerName" },
            new("order PUT: a line without quantity", "PUT", d, Order(s.Draft, ("lines", new[] { new { productId = s.DraftLineProductId } }))) { IfMatch = s.DraftETag, Status = 400, Detail = "quantity" },
            new("order PUT: a line without productId", "PUT", d, Order(s.Draft, ("lines", new[] { new { quantity = 1 } }))) { IfMatch = s.DraftETag, Status = 400, Detail = "productId" },
            new("order PUT: lines null", "PUT", d, Order(s.Draft, ("lines", null))) { IfMatch = s.DraftETag, Status = 400, Errors = ["Lines"] },
            new("order PUT: status as a number", "PUT", d, Order(s.Draft, ("status", 3))) { IfMatch = s.DraftETag, Status = 400, Detail = "Draft, Submitted, Fulfilled, Cancelled" },
            new("order PUT: status as a list of names", "PUT", d, Order(s.Draft, ("status", "Draft, Submitted"))) { IfMatch = s.DraftETag, Status = 400, Detail = "Draft, Submitted, Fulfilled, Cancelled" },
            new("order PUT: If-Match empty list", "PUT", d, Order(s.Draft, ("notes", "changed"))) { IfMatch = ",", Status = 400 },
            new("order PUT: If-Match *", "PUT", d, Order(s.Draft, ("notes", "changed"))) { IfMatch = "*", Status = 428 },
            new("order PUT: If-Match weak", "PUT", d, Order(s.Draft, ("notes", "changed"))) { IfMatch = "W/" + s.DraftETag, Status = 412 },
            new("history restore: If-Match empty list", "POST", $"/api/products/{s.ProductId}/history/1/restore") { ContentType = null, IfMatch = ",", Status = 400 },
            new("history restore: If-Match *", "POST", $"/api/products/{s.ProductId}/history/1/restore") { ContentType = null, IfMatch = "*", Status = 428 },
            new("order PUT: malformed Lease-Token", "PUT", d, Order(s.Draft, ("notes", "changed"))) { IfMatch = s.DraftETag, LeaseToken = "zzz", Status = 400 },
            new("order PUT: fulfilled order", "PUT", $"/api/orders/{s.FulfilledId}", Order(s.Fulfilled, ("notes", "changed"))) { IfMatch = s.FulfilledETag, Status = 400, Errors = ["Status"] },
            new("order PUT: cancelled order", "PUT", $"/api/orders/{s.CancelledId}", Order(s.Cancelled, ("customerName", "Someone else"))) { IfMatch = s.CancelledETag, Status = 400, Errors = ["Status"] },
            new("order PUT: unknown order", "PUT", $"/api/orders/{Missing}", Order(s.Draft)) { IfMatch = "*", Status = 404 },
            new("order GET: unknown order", "GET", $"/api/orders/{Missing}") { Status = 404 },
            new("order GET: non-integer id", "GET", "/api/orders/abc") { Status = 404 },
            new("order DELETE: unknown order", "DELETE", $"/api/orders/{Missing}") { IfMatch = "*", Status = 404 },
            new("order DELETE: without If-Match", "DELETE", d) { Status = 428 },
            new("orders: page is a word", "GET", "/api/orders?page=abc") { Status = 400 },
            new("orders: page so large the offset overflows", "GET", "/api/orders?page=100000000") { Min = 200 },

            // PATCH: preconditions and media types as for PUT.
            new("PATCH without If-Match", "PATCH", p, """{"stock":1}""") { ContentType = MergeType, Status = 428 },
            new("PATCH If-Match *", "PATCH", p, """{"stock":1}""") { ContentType = MergeType, IfMatch = "*", Status = 428 },
            new("PATCH If-Match weak", "PATCH", p, """{"stock":1}""") { ContentType = MergeType, IfMatch = "W/" + s.ProductETag, Status = 412 },
            new("PATCH If-Match empty list", "PATCH", p, """{"stock":1}""") { ContentType = MergeType, IfMatch = ",", Status = 400 },
            new("PATCH If-Match * among tags", "PATCH", p, """{"stock":1}""") { ContentType = MergeType, IfMatch = "*, garbage", Status = 400 },
            new("PATCH stale If-Match", "PATCH", p, """{"stock":1}""") { ContentType = MergeType, IfMatch = "\"999\"", Status = 412 },
            new("PATCH stale If-Match, JSON Patch", "PATCH", p, """[{"op":"replace","path":"/stock","value":1}]""") { ContentType = JsonPatchType, IfMatch = "\"999\"", Status = 412 },
            new("PATCH unknown product", "PATCH", $"/api/products/{Missing}", """{"stock":1}""") { ContentType = MergeType, IfMatch = "\"1\"", Status = 404 },
            new("PATCH malformed Lease-Token", "PATCH", p, """{"stock":1}""") { ContentType = MergeType, IfMatch = s.ProductETag, LeaseToken = "nope", Status = 400 },
            new("PATCH made-up Lease-Token", "PATCH", p, """{"stock":1}""") { ContentType = MergeType, IfMatch = s.ProductETag, LeaseToken = Guid.NewGuid().ToString(), Status = 409 },
            new("PATCH zero Lease-Token", "PATCH", p, """{"stock":1}""") { ContentType = MergeType, IfMatch = s.ProductETag, LeaseToken = Guid.Empty.ToString(), Status = 409 },
            new("PATCH as application/json", "PATCH", p, """{"stock":1}""") { IfMatch = s.ProductETag, Status = 415, Detail = "application/json-patch+json" },
            new("PATCH as text/plain", "PATCH", p, """{"stock":1}""") { ContentType = "text/plain", IfMatch = s.ProductETag, Status = 415, Detail = "application/merge-patch+json" },
            new("PATCH without Content-Type", "PATCH", p, """{"stock":1}""") { ContentType = null, IfMatch = s.ProductETag, Status = 415 },
            new("PATCH merge patch in utf-7", "PATCH", p, """{"stock":1}""") { ContentType = MergeType + "; charset=utf-7", IfMatch = s.ProductETag, Status = 415 },
            new("PATCH oversized body", "PATCH", p, JsonSerializer.Serialize(new { description = new string('d', 100_000) })) { ContentType = MergeType, IfMatch = s.ProductETag, Status = 413 },

            // PATCH: merge patches that are not a product's.
            new("PATCH merge: truncated JSON", "PATCH", p, """{"stock":""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400 },
            new("PATCH merge: empty body", "PATCH", p, string.Empty) { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400 },
            new("PATCH merge: an array", "PATCH", p, """[{"stock":1}]""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400 },
            new("PATCH merge: null body", "PATCH", p, "null") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400 },
            new("PATCH merge: sku null (a required member removed)", "PATCH", p, """{"sku":null}""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Detail = "sku" },
            new("PATCH merge: stock null", "PATCH", p, """{"stock":null}""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Detail = "stock" },
            new("PATCH merge: unknown member", "PATCH", p, """{"stok":5}""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Detail = "stok" },
            new("PATCH merge: member in another case", "PATCH", p, """{"Stock":5}""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Detail = "Stock" },
            new("PATCH merge: read-only id", "PATCH", p, """{"id":1}""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Detail = "read-only" },
            new("PATCH merge: read-only version", "PATCH", p, """{"version":99,"stock":1}""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Detail = "version" },
            new("PATCH merge: stock is a word", "PATCH", p, """{"stock":"x"}""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Detail = "stock" },
            new("PATCH merge: stock is a fraction", "PATCH", p, """{"stock":1.5}""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Detail = "stock" },
            new("PATCH merge: price beyond decimal", "PATCH", p, """{"price":1e40}""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Detail = "price" },
            new("PATCH merge: requiresCheckout is a word", "PATCH", p, """{"requiresCheckout":"yes"}""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Detail = "requiresCheckout" },
            new("PATCH merge: negative price", "PATCH", p, """{"price":-1}""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Errors = ["Price"] },
            new("PATCH merge: empty name and bad sku", "PATCH", p, """{"name":" ","sku":"bad sku!"}""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Errors = ["Name", "Sku"] },
            new("PATCH merge: duplicate sku", "PATCH", p, JsonSerializer.Serialize(new { sku = s.OtherSku })) { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Errors = ["Sku"] },
            new("PATCH merge: NUL in name", "PATCH", p, JsonSerializer.Serialize(new { name = "bad\0name" })) { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400, Errors = ["Name"] },
            new("PATCH merge: lone surrogate in name", "PATCH", p, """{"name":"\ud800"}""") { ContentType = MergeType, IfMatch = s.ProductETag, Status = 400 },

            // PATCH: JSON Patches that cannot be applied to a product.
            new("PATCH JSON Patch: an object", "PATCH", p, """{"op":"replace","path":"/stock","value":1}""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 400 },
            new("PATCH JSON Patch: unknown op", "PATCH", p, """[{"op":"increment","path":"/stock","value":1}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 400, Detail = "increment" },
            new("PATCH JSON Patch: no op", "PATCH", p, """[{"path":"/stock","value":1}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 400 },
            new("PATCH JSON Patch: an operation that is a number", "PATCH", p, """[1]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 400 },
            new("PATCH JSON Patch: replace without value", "PATCH", p, """[{"op":"replace","path":"/stock"}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 400, Detail = "value" },
            new("PATCH JSON Patch: path without a slash", "PATCH", p, """[{"op":"replace","path":"stock","value":1}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 400, Detail = "stock" },
            new("PATCH JSON Patch: no path", "PATCH", p, """[{"op":"replace","value":1}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 400 },
            new("PATCH JSON Patch: move without from", "PATCH", p, """[{"op":"move","path":"/name"}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 400, Detail = "from" },
            new("PATCH JSON Patch: no such member", "PATCH", p, """[{"op":"replace","path":"/nosuch","value":1}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 422, Detail = "/nosuch" },
            new("PATCH JSON Patch: add a member", "PATCH", p, """[{"op":"add","path":"/nosuch","value":1}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 422, Detail = "/nosuch" },
            new("PATCH JSON Patch: below a scalar", "PATCH", p, """[{"op":"replace","path":"/stock/0","value":1}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 422, Detail = "/stock/0" },
            new("PATCH JSON Patch: the whole document", "PATCH", p, """[{"op":"replace","path":"","value":{}}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 422 },
            new("PATCH JSON Patch: read-only version", "PATCH", p, """[{"op":"replace","path":"/version","value":99}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 422, Detail = "read-only" },
            new("PATCH JSON Patch: remove a required member", "PATCH", p, """[{"op":"remove","path":"/description"}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 422, Detail = "/description" },
            new("PATCH JSON Patch: move a member away", "PATCH", p, """[{"op":"move","from":"/name","path":"/description"}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 422, Detail = "/name" },
            new("PATCH JSON Patch: copy from nowhere", "PATCH", p, """[{"op":"copy","from":"/nosuch","path":"/name"}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 422, Detail = "/nosuch" },
            new("PATCH JSON Patch: replace with null", "PATCH", p, """[{"op":"replace","path":"/name","value":null}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 400, Detail = "name" },
            new("PATCH JSON Patch: stock is a word", "PATCH", p, """[{"op":"replace","path":"/stock","value":"x"}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 400, Detail = "stock" },
            new("PATCH JSON Patch: negative stock", "PATCH", p, """[{"op":"replace","path":"/stock","value":-1}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 400, Errors = ["Stock"] },
            new("PATCH JSON Patch: failed test", "PATCH", p, """[{"op":"test","path":"/stock","value":-12345},{"op":"replace","path":"/stock","value":1}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 409 },
            new("PATCH JSON Patch: a good operation, then a bad one", "PATCH", p, """[{"op":"replace","path":"/stock","value":1},{"op":"remove","path":"/stock"}]""") { ContentType = JsonPatchType, IfMatch = s.ProductETag, Status = 422 },

            // PATCH on orders: the same aggregate rules as PUT, lines by index.
            new("order PATCH: without If-Match", "PATCH", d, """{"notes":"x"}""") { ContentType = MergeType, Status = 428 },
            new("order PATCH: If-Match *", "PATCH", d, """{"notes":"x"}""") { ContentType = MergeType, IfMatch = "*", Status = 428 },
            new("order PATCH: stale If-Match", "PATCH", d, """[{"op":"replace","path":"/lines/0/quantity","value":2}]""") { ContentType = JsonPatchType, IfMatch = "\"999\"", Status = 412 },
            new("order PATCH: unknown order", "PATCH", $"/api/orders/{Missing}", """{"notes":"x"}""") { ContentType = MergeType, IfMatch = "\"1\"", Status = 404 },
            new("order PATCH: as application/json", "PATCH", d, """{"notes":"x"}""") { IfMatch = s.DraftETag, Status = 415 },
            new("order PATCH merge: lines null", "PATCH", d, """{"lines":null}""") { ContentType = MergeType, IfMatch = s.DraftETag, Status = 400, Detail = "lines" },
            new("order PATCH merge: notes null", "PATCH", d, """{"notes":null}""") { ContentType = MergeType, IfMatch = s.DraftETag, Status = 400, Detail = "notes" },
            new("order PATCH merge: status as a number", "PATCH", d, """{"status":3}""") { ContentType = MergeType, IfMatch = s.DraftETag, Status = 400, Detail = "Draft, Submitted, Fulfilled, Cancelled" },
            new("order PATCH merge: status as a list of names", "PATCH", d, """{"status":"Draft, Submitted"}""") { ContentType = MergeType, IfMatch = s.DraftETag, Status = 400, Detail = "Draft, Submitted, Fulfilled, Cancelled" },
            new("order PATCH merge: Draft to Fulfilled", "PATCH", d, """{"status":"Fulfilled"}""") { ContentType = MergeType, IfMatch = s.DraftETag, Status = 400, Errors = ["Status"] },
            new("order PATCH merge: read-only total", "PATCH", d, """{"total":0}""") { ContentType = MergeType, IfMatch = s.DraftETag, Status = 400, Detail = "total" },
            new("order PATCH merge: unknown member", "PATCH", d, """{"customer":"x"}""") { ContentType = MergeType, IfMatch = s.DraftETag, Status = 400, Detail = "customer" },
            new("order PATCH merge: empty customerName", "PATCH", d, """{"customerName":""}""") { ContentType = MergeType, IfMatch = s.DraftETag, Status = 400, Errors = ["CustomerName"] },
            new("order PATCH merge: line id not on the order", "PATCH", d, JsonSerializer.Serialize(new { lines = new[] { new { id = Guid.NewGuid(), productId = s.DraftLineProductId, quantity = 1 } } })) { ContentType = MergeType, IfMatch = s.DraftETag, Status = 400, Errors = ["Lines[0].Id"] },
            new("order PATCH merge: a line with its read-only sku", "PATCH", d, JsonSerializer.Serialize(new { lines = new[] { new { id = s.DraftLineId, productId = s.DraftLineProductId, quantity = 1, sku = "X" } } })) { ContentType = MergeType, IfMatch = s.DraftETag, Status = 400, Detail = "sku" },
            new("order PATCH merge: lines is an object", "PATCH", d, """{"lines":{"productId":1}}""") { ContentType = MergeType, IfMatch = s.DraftETag, Status = 400, Detail = "lines" },
            new("order PATCH merge: the same line twice", "PATCH", d, JsonSerializer.Serialize(new { lines = new[] { draftLine, draftLine } })) { ContentType = MergeType, IfMatch = s.DraftETag, Status = 400, Errors = ["Lines"] },
            new("order PATCH JSON Patch: line index beyond the lines", "PATCH", d, """[{"op":"replace","path":"/lines/99/quantity","value":1}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 422, Detail = "/lines/99/quantity" },
            new("order PATCH JSON Patch: line index not a number", "PATCH", d, """[{"op":"replace","path":"/lines/first/quantity","value":1}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 422, Detail = "/lines/first/quantity" },
            new("order PATCH JSON Patch: remove beyond the lines", "PATCH", d, """[{"op":"remove","path":"/lines/99"}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 422, Detail = "/lines/99" },
            new("order PATCH JSON Patch: re-key a line", "PATCH", d, $$"""[{"op":"replace","path":"/lines/0/id","value":"{{Guid.NewGuid()}}"}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 422, Detail = "/lines/0/id" },
            new("order PATCH JSON Patch: move a line's id away", "PATCH", d, """[{"op":"move","from":"/lines/0/id","path":"/notes"}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 422, Detail = "/lines/0/id" },
            new("order PATCH JSON Patch: copy an id onto a line", "PATCH", d, """[{"op":"copy","from":"/lines/0/id","path":"/lines/0/id"}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 422, Detail = "/lines/0/id" },
            new("order PATCH JSON Patch: a line's read-only sku", "PATCH", d, """[{"op":"replace","path":"/lines/0/sku","value":"X"}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 422, Detail = "read-only" },
            new("order PATCH JSON Patch: remove a line's quantity", "PATCH", d, """[{"op":"remove","path":"/lines/0/quantity"}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 422, Detail = "/lines/0/quantity" },
            new("order PATCH JSON Patch: remove the lines", "PATCH", d, """[{"op":"remove","path":"/lines"}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 422, Detail = "/lines" },
            new("order PATCH JSON Patch: quantity 0", "PATCH", d, """[{"op":"replace","path":"/lines/0/quantity","value":0}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 400, Errors = ["Lines[0].Quantity"] },
            new("order PATCH JSON Patch: quantity is a word", "PATCH", d, """[{"op":"replace","path":"/lines/0/quantity","value":"many"}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 400, Detail = "quantity" },
            new("order PATCH JSON Patch: add a line of an unknown product", "PATCH", d, """[{"op":"add","path":"/lines/0","value":{"productId":999999,"quantity":1}}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 400, Errors = ["Lines[0].ProductId"] },
            new("order PATCH JSON Patch: add a line with a member it lacks", "PATCH", d, $$$"""[{"op":"add","path":"/lines/-","value":{"productId":{{{s.DraftLineProductId}}},"quantity":1,"discount":5}}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 400, Detail = "discount" },
            new("order PATCH JSON Patch: copy a line (its id twice)", "PATCH", d, """[{"op":"copy","from":"/lines/0","path":"/lines/-"}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 400, Errors = ["Lines"] },
            new("order PATCH JSON Patch: status as a number", "PATCH", d, """[{"op":"replace","path":"/status","value":3}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 400, Detail = "status" },
            new("order PATCH JSON Patch: a line into itself", "PATCH", d, """[{"op":"move","from":"/lines/0","path":"/lines/0/quantity"}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 422 },
            new("order PATCH JSON Patch: failed test on a line", "PATCH", d, $$"""[{"op":"test","path":"/lines/0/id","value":"{{Guid.NewGuid()}}"},{"op":"replace","path":"/lines/0/quantity","value":2}]""") { ContentType = JsonPatchType, IfMatch = s.DraftETag, Status = 409 },
            new("order PATCH: fulfilled order", "PATCH", $"/api/orders/{s.FulfilledId}", """{"notes":"changed"}""") { ContentType = MergeType, IfMatch = s.FulfilledETag, Status = 400, Errors = ["Status"] },
            new("order PATCH: cancelled order, JSON Patch", "PATCH", $"/api/orders/{s.CancelledId}", """[{"op":"replace","path":"/customerName","value":"Someone else"}]""") { ContentType = JsonPatchType, IfMatch = s.CancelledETag, Status = 400, Errors = ["Status"] },
            new("order PATCH: made-up Lease-Token", "PATCH", d, """{"notes":"x"}""") { ContentType = MergeType, IfMatch = s.DraftETag, LeaseToken = Guid.NewGuid().ToString(), Status = 409 },

            // Leases.
            new("lease: unknown kind", "POST", "/api/leases/widget/1") { Status = 404 },
            new("lease: id 0", "POST", "/api/leases/product/0") { Status = 404 },
            new("lease: negative id", "POST", "/api/leases/product/-1") { Status = 404 },
            new("lease: unknown product", "POST", $"/api/leases/product/{Missing}") { Status = 404 },
            new("lease: unknown order", "POST", $"/api/leases/order/{Missing}") { Status = 404 },
            new("lease: wait too long", "POST", lease + "?wait=999") { Status = 400, Errors = ["wait"] },
            new("lease: negative wait", "POST", lease + "?wait=-1") { Status = 400, Errors = ["wait"] },
            new("lease: wait is a word", "POST", lease + "?wait=abc") { Status = 400 },
            new("lease: wait beyond int", "POST", lease + "?wait=99999999999") { Status = 400 },
            new("lease: GET is not offered", "GET", lease) { Status = 405 },
            new("lease: PATCH is not offered", "PATCH", lease, "{}") { Status = 405 },
            new("force-release: GET is not offered", "GET", lease + "/force-release") { Status = 405 },
            new("history: limit 0", "GET", $"/api/products/{s.ProductId}/history?limit=0") { Status = 400, Errors = ["limit"] },
            new("history: limit 501", "GET", $"/api/orders/{s.DraftId}/history?limit=501") { Status = 400, Errors = ["limit"] },
            new("history: negative limit", "GET", $"/api/products/{s.ProductId}/history?limit=-5") { Status = 400, Errors = ["limit"] },
            new("history: limit is a word", "GET", $"/api/products/{s.ProductId}/history?limit=many") { Status = 400, Detail = "limit" },
            new("history: limit beyond int", "GET", $"/api/products/{s.ProductId}/history?limit=99999999999") { Status = 400, Detail = "limit" },
            new("history: cursor not base64url", "GET", $"/api/products/{s.ProductId}/history?cursor=%21%21%21") { Status = 400, Errors = ["cursor"] },
            new("history: cursor of someone's making", "GET", $"/api/products/{s.ProductId}/history?cursor=aGVsbG8") { Status = 400, Errors = ["cursor"] },
            new("history: cursor with a bad lease position", "GET", $"/api/orders/{s.DraftId}/history?cursor=MTIuOTk5OTk5OTk5OTk5OTk5OTk5OS4yLjM") { Status = 400, Errors = ["cursor"] },
            new("history: empty cursor", "GET", $"/api/products/{s.ProductId}/history?cursor=") { Status = 400, Errors = ["cursor"] },
            new("history restore: GET is not offered", "GET", $"/api/products/{s.ProductId}/history/1/restore") { Status = 405 },
            new("history restore: DELETE is not offered", "DELETE", $"/api/orders/{s.DraftId}/history/1/restore") { Status = 405 },
            new("lease renew: no token", "PUT", lease) { Status = 400, Errors = ["Lease-Token"] },
            new("lease release: no token", "DELETE", lease) { Status = 400, Errors = ["Lease-Token"] },
            new("lease renew: malformed token", "PUT", lease) { LeaseToken = "not-a-guid", Status = 400 },
            new("lease release: malformed token", "DELETE", lease) { LeaseToken = "{123}", Status = 400 },
            new("lease renew: made-up token", "PUT", lease) { LeaseToken = Guid.NewGuid().ToString(), Status = 409 },
            new("lease release: made-up token", "DELETE", lease) { LeaseToken = Guid.NewGuid().ToString(), Status = 409 },
            new("lease renew: unknown kind", "PUT", "/api/leases/widget/1") { LeaseToken = Guid.NewGuid().ToString(), Status = 404 },
            new("lease: empty Idempotency-Key", "POST", lease) { Headers = Idem(""), Status = 400, Errors = ["Idempotency-Key"] },
            new("lease: empty quoted Idempotency-Key", "POST", lease) { Headers = Idem("\"\""), Status = 400, Errors = ["Idempotency-Key"] },
            new("lease: Idempotency-Key of 81 characters", "POST", lease) { Headers = Idem(new string('k', 81)), Status = 400, Errors = ["Idempotency-Key"] },
            new("lease: Idempotency-Key with a space", "POST", lease) { Headers = Idem("my key"), Status = 400, Errors = ["Idempotency-Key"] },
            new("lease: two Idempotency-Keys", "POST", lease) { Headers = Idem("a,b"), Status = 400, Errors = ["Idempotency-Key"] },
            new("lease renew: another user's token", "PUT", held) { LeaseToken = heldToken, Status = 403, Detail = "belongs to Admin" },
            new("lease release: another user's token", "DELETE", held) { LeaseToken = heldToken, Status = 403, Detail = "belongs to Admin" },
            new("PUT with another user's Lease-Token", "PUT", heldProduct, With(s.HeldByAdmin.Body, ("stock", 1))) { IfMatch = s.HeldByAdmin.ETag, LeaseToken = heldToken, Status = 403, Detail = "belongs to Admin" },
            new("DELETE with another user's Lease-Token", "DELETE", heldProduct) { IfMatch = s.HeldByAdmin.ETag, LeaseToken = heldToken, Status = 403, Detail = "belongs to Admin" },
            new("force-release: by an editor", "POST", lease + "/force-release", Reason("mine")) { Status = 403 },
            new("force-release: empty reason", "POST", lease + "/force-release", Reason("  ")) { User = "admin", Status = 400, Errors = ["Reason"] },
            new("force-release: no reason", "POST", lease + "/force-release", "{}") { User = "admin", Status = 400, Errors = ["Reason"] },
            new("force-release: reason of 501 characters", "POST", lease + "/force-release", Reason(new string('r', 501))) { User = "admin", Status = 400, Errors = ["Reason"] },
            new("force-release: NUL character in reason", "POST", lease + "/force-release", Reason("bad\0reason")) { User = "admin", Errors = ["Reason"] },
            new("force-release: reason is a number", "POST", lease + "/force-release", """{"reason":5}""") { User = "admin", Status = 400 },
            new("force-release: truncated JSON", "POST", lease + "/force-release", """{"reason":""") { User = "admin", Status = 400 },
            new("force-release: empty body", "POST", lease + "/force-release", string.Empty) { User = "admin", Status = 400 },
            new("force-release: unknown kind", "POST", "/api/leases/widget/1/force-release", Reason("audit")) { User = "admin", Status = 404 },
            new("force-release: nothing held", "POST", $"/api/leases/order/{s.DraftId}/force-release", Reason("audit")) { User = "admin", Status = 409 },

            // Customers: JSON that is not a customer, values that break the rules, preconditions, unknown ids.
            new("customer: truncated JSON", "POST", "/api/customers", """{"name":"x","email":""") { Status = 400 },
            new("customer: array instead of object", "POST", "/api/customers", "[" + NewCustomer() + "]") { Status = 400 },
            new("customer: name is a number", "POST", "/api/customers", NewCustomer(("name", 123))) { Status = 400 },
            new("customer: text/plain body", "POST", "/api/customers", NewCustomer()) { ContentType = "text/plain", Status = 415 },
            new("customer: empty name", "POST", "/api/customers", NewCustomer(("name", "  "))) { Status = 400, Errors = ["Name"] },
            new("customer: name of 201 characters", "POST", "/api/customers", NewCustomer(("name", new string('n', 201)))) { Status = 400, Errors = ["Name"] },
            new("customer: email without @", "POST", "/api/customers", NewCustomer(("email", "not-an-email"))) { Status = 400, Errors = ["Email"] },
            new("customer: phone with letters", "POST", "/api/customers", NewCustomer(("phone", "call me"))) { Status = 400, Errors = ["Phone"] },
            new("customer: NUL character in notes", "POST", "/api/customers", NewCustomer(("notes", "bad\0notes"))) { Status = 400, Errors = ["Notes"] },
            new("customer: without email", "POST", "/api/customers", Without(NewCustomerValues, "email")) { Status = 400, Detail = "email" },
            new("customer PUT: without If-Match", "PUT", c, With(s.Customer.Body, ("phone", "020 7946 0456"))) { Status = 428 },
            new("customer PUT: If-Match *", "PUT", c, With(s.Customer.Body, ("phone", "020 7946 0456"))) { IfMatch = "*", Status = 428 },
            new("customer PUT: stale If-Match", "PUT", c, With(s.Customer.Body, ("phone", "020 7946 0456"))) { IfMatch = "\"999\"", Status = 412 },
            new("customer PUT: without notes", "PUT", c, Without(s.Customer.Body, "notes")) { IfMatch = s.Customer.ETag, Status = 400, Detail = "notes" },
            new("customer PUT: bad email and empty name", "PUT", c, With(s.Customer.Body, ("email", "a@b"), ("name", ""))) { IfMatch = s.Customer.ETag, Status = 400, Errors = ["Name", "Email"] },
            new("customer PUT: made-up Lease-Token", "PUT", c, With(s.Customer.Body, ("phone", "020 7946 0456"))) { IfMatch = s.Customer.ETag, LeaseToken = Guid.NewGuid().ToString(), Status = 409 },
            new("customer PATCH merge: name null", "PATCH", c, """{"name":null}""") { ContentType = MergeType, IfMatch = s.Customer.ETag, Status = 400, Detail = "name" },
            new("customer PATCH merge: unknown member", "PATCH", c, """{"fax":"1"}""") { ContentType = MergeType, IfMatch = s.Customer.ETag, Status = 400, Detail = "fax" },
            new("customer PATCH JSON Patch: read-only version", "PATCH", c, """[{"op":"replace","path":"/version","value":9}]""") { ContentType = JsonPatchType, IfMatch = s.Customer.ETag, Status = 422, Detail = "read-only" },
            new("customer PATCH: as application/json", "PATCH", c, """{"phone":"1"}""") { IfMatch = s.Customer.ETag, Status = 415 },
            new("customer DELETE: without If-Match", "DELETE", c) { Status = 428 },
            new("customer DELETE: stale If-Match", "DELETE", c) { IfMatch = "\"999\"", Status = 412 },
            new("customer GET: unknown customer", "GET", $"/api/customers/{Missing}") { Status = 404 },
            new("customer PUT: unknown customer", "PUT", $"/api/customers/{Missing}", With(s.Customer.Body)) { IfMatch = "\"1\"", Status = 404 },
            new("customers: page is a word", "GET", "/api/customers?page=abc") { Status = 400 },
            new("order: unknown customerId", "POST", "/api/orders", JsonSerializer.Serialize(new { customerName = "x", notes = "", customerId = 999_999 })) { Status = 400, Errors = ["CustomerId"] },
            new("anonymous customer list", "GET", "/api/customers") { User = "", Status = 401 },

            // Auth and routing.
            new("token: no user name or password", "POST", "/api/auth/token", "{}") { User = "", Status = 400, Errors = ["UserName"] },
            new("token: truncated JSON", "POST", "/api/auth/token", """{"userName":""") { User = "", Status = 400 },
            new("token: password is a number", "POST", "/api/auth/token", """{"userName":"alice","password":1}""") { User = "", Status = 400 },
            new("token: NUL in the user name", "POST", "/api/auth/token", "{\"userName\":\"ali\\u0000ce\",\"password\":\"x\"}") { User = "", Status = 400, Errors = ["UserName"] },
            new("token: text/plain", "POST", "/api/auth/token", """{"userName":"nobody","password":"x"}""") { User = "", ContentType = "text/plain", Status = 415, Detail = "application/json" },
            new("token: no Content-Type", "POST", "/api/auth/token", """{"userName":"nobody","password":"x"}""") { User = "", ContentType = null, Status = 415, Detail = "application/json" },
            new("token: application/xml", "POST", "/api/auth/token", "<login/>") { User = "", ContentType = "application/xml", Status = 415, Detail = "application/json" },
            new("token: unknown user", "POST", "/api/auth/token", """{"userName":"nobody","password":"x"}""") { User = "", Status = 401 },
            new("garbage bearer token", "GET", "/api/products") { User = "", Authorization = "Bearer garbage", Status = 401 },
            new("anonymous with an unknown charset", "POST", "/api/products", NewProduct()) { User = "", ContentType = "application/json; charset=no-such-charset", Status = 401 },
            new("no such API route", "GET", "/api/widgets") { Status = 404 },
        ];
    }

    private static readonly Dictionary<string, object?> NewCustomerValues = new()
    {
        ["name"] = "Bad input customer", ["email"] = "bad.input@example.com", ["phone"] = "020 7946 0123", ["address"] = "", ["notes"] = "",
    };

    private static readonly Dictionary<string, object?> NewProductValues = new()
    {
        ["sku"] = "BAD-NEW-1", ["name"] = "Bad input", ["description"] = "", ["price"] = 1m, ["stock"] = 1, ["requiresCheckout"] = false,
    };

    private static Dictionary<string, object?> Merge(Dictionary<string, object?> basis, params (string Key, object? Value)[] changes)
    {
        var values = new Dictionary<string, object?>(basis);
        foreach (var (key, value) in changes)
        {
            values[key] = value;
        }

        return values;
    }

    /// <summary>The record as read, with <paramref name="keys"/> left out.</summary>
    private static string Without(Dictionary<string, object?> basis, params string[] keys) =>
        JsonSerializer.Serialize(basis.Where(kv => !keys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value), ApiClient.Json);

    private static string With(Dictionary<string, object?> basis, params (string Key, object? Value)[] changes) =>
        JsonSerializer.Serialize(Merge(basis, changes), ApiClient.Json);

    /// <summary>An order replace body: the order as read (lines as id, productId, quantity, unitPrice) with changes.</summary>
    private static string Order(Dictionary<string, object?> order, params (string Key, object? Value)[] changes) => With(order, changes);

    /// <summary>The admin checks out the second listed product (no case writes it), before the data is fingerprinted.</summary>
    private static async Task<(int, string, Dictionary<string, object?>, Guid)> HeldByAdminAsync(HttpClient admin, Seeded s)
    {
        var products = await (await admin.GetAsync("/api/products?pageSize=2")).JsonAsync();
        var id = products.GetProperty("items")[1].GetProperty("id").GetInt32();
        using var acquired = await admin.PostAsync($"/api/leases/product/{id}", null);
        Assert.Equal(HttpStatusCode.Created, acquired.StatusCode);
        var (etag, body) = await ReadAsync(admin, $"/api/products/{id}");
        Assert.NotEqual(s.ProductId, id);
        return (id, etag, body, (await acquired.JsonAsync()).GetProperty("token").GetGuid());
    }

    private static async Task<Seeded> SeededAsync(HttpClient client)
    {
        var products = await (await client.GetAsync("/api/products?pageSize=2")).JsonAsync();
        var productId = products.GetProperty("items")[0].GetProperty("id").GetInt32();
        var otherSku = products.GetProperty("items")[1].GetProperty("sku").GetString()!;
        var (productETag, product) = await ReadAsync(client, $"/api/products/{productId}");

        var orders = (await (await client.GetAsync("/api/orders?pageSize=200")).JsonAsync()).GetProperty("items").EnumerateArray().ToList();
        int First(string status) => orders.First(o => o.GetProperty("status").GetString() == status && o.GetProperty("lineCount").GetInt32() > 0).GetProperty("id").GetInt32();
        var (draftId, fulfilledId, cancelledId) = (First("Draft"), First("Fulfilled"), First("Cancelled"));
        var (draftETag, draft) = await ReadAsync(client, $"/api/orders/{draftId}");
        var (fulfilledETag, fulfilled) = await ReadAsync(client, $"/api/orders/{fulfilledId}");
        var (cancelledETag, cancelled) = await ReadAsync(client, $"/api/orders/{cancelledId}");
        var firstLine = ((IReadOnlyList<Dictionary<string, object?>>)draft["lines"]!)[0];

        // The fixture's own customer, made before the data is fingerprinted.
        using var createCustomer = Request(HttpMethod.Post, "/api/customers", NewCustomerValues);
        using var createdCustomer = await client.SendAsync(createCustomer);
        Assert.Equal(HttpStatusCode.Created, createdCustomer.StatusCode);
        var customerId = (await createdCustomer.JsonAsync()).GetProperty("id").GetInt32();
        var (customerETag, customer) = await ReadAsync(client, $"/api/customers/{customerId}");
        return new(productId, productETag, product, otherSku,
            draftId, draftETag, draft, (Guid)firstLine["id"]!, (int)firstLine["productId"]!,
            fulfilledId, fulfilledETag, fulfilled, cancelledId, cancelledETag, cancelled) { Customer = (customerId, customerETag, customer) };
    }

    /// <summary>A product or order as a client would send it back, with its ETag.</summary>
    private static async Task<(string ETag, Dictionary<string, object?> Body)> ReadAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        var json = await response.JsonAsync();
        var etag = response.Headers.ETag!.Tag;
        if (json.TryGetProperty("sku", out _))
        {
            return (etag, new()
            {
                ["sku"] = json.GetProperty("sku").GetString(), ["name"] = json.GetProperty("name").GetString(),
                ["description"] = json.GetProperty("description").GetString(), ["price"] = json.GetProperty("price").GetDecimal(),
                ["stock"] = json.GetProperty("stock").GetInt32(), ["requiresCheckout"] = json.GetProperty("requiresCheckout").GetBoolean(),
            });
        }

        if (json.TryGetProperty("email", out _))
        {
            return (etag, new()
            {
                ["name"] = json.GetProperty("name").GetString(), ["email"] = json.GetProperty("email").GetString(), ["phone"] = json.GetProperty("phone").GetString(),
                ["address"] = json.GetProperty("address").GetString(), ["notes"] = json.GetProperty("notes").GetString(),
            });
        }

        var lines = json.GetProperty("lines").EnumerateArray().Select(l => new Dictionary<string, object?>
        {
            ["id"] = l.GetProperty("id").GetGuid(), ["productId"] = l.GetProperty("productId").GetInt32(),
            ["quantity"] = l.GetProperty("quantity").GetInt32(), ["unitPrice"] = l.GetProperty("unitPrice").GetDecimal(),
        }).ToList();
        return (etag, new()
        {
            ["customerName"] = json.GetProperty("customerName").GetString(), ["status"] = json.GetProperty("status").GetString(),
            ["notes"] = json.GetProperty("notes").GetString(), ["lines"] = lines,
        });
    }

    private static HttpRequestMessage Raw(string method, string path, string? body, string? contentType)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        return request;
    }

    /// <summary>Sends a case and lists everything wrong with the answer (empty when it is right).</summary>
    private static async Task<(int Status, string? ContentType, string Body, List<string> Problems)> SendAsync(HttpClient client, Case c)
    {
        using var request = Raw(c.Method, c.Path, c.Body, c.ContentType);
        if (c.IfMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", c.IfMatch);
        }

        if (c.LeaseToken is not null)
        {
            request.Headers.TryAddWithoutValidation("Lease-Token", c.LeaseToken);
        }

        foreach (var (name, value) in c.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (c.Authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", c.Authorization);
        }

        using var response = await client.SendAsync(request);
        var status = (int)response.StatusCode;
        var contentType = response.Content.Headers.ContentType?.MediaType;
        var body = await response.Content.ReadAsStringAsync();
        var problems = new List<string>();
        if (c.Status is { } expected ? status != expected : status < c.Min || status > c.Max)
        {
            problems.Add(c.Status is { } e ? $"expected {e}" : $"expected {c.Min}-{c.Max}");
        }

        if (status < 400)
        {
            return (status, contentType, body, problems);
        }

        if (contentType != "application/problem+json")
        {
            problems.Add($"expected Content-Type application/problem+json, got {contentType ?? "none"}");
        }

        JsonElement problem;
        try
        {
            using var doc = JsonDocument.Parse(body);
            problem = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            problems.Add("the body is not JSON");
            return (status, contentType, body, problems);
        }

        if (problem.ValueKind != JsonValueKind.Object || !problem.TryGetProperty("title", out var title) || string.IsNullOrWhiteSpace(title.GetString()))
        {
            problems.Add("the problem has no title");
            return (status, contentType, body, problems);
        }

        if (problem.TryGetProperty("status", out var statusProperty) && statusProperty.ValueKind == JsonValueKind.Number && statusProperty.GetInt32() != status)
        {
            problems.Add($"the problem says status {statusProperty.GetInt32()}");
        }

        // A 400 says what was wrong: a detail, or the fields and rules.
        if (status == 400 && !problem.TryGetProperty("errors", out _) && (!problem.TryGetProperty("detail", out var detail) || string.IsNullOrWhiteSpace(detail.GetString())))
        {
            problems.Add("a 400 without detail or errors does not say what was wrong");
        }

        if (c.Detail is { } named && (!problem.TryGetProperty("detail", out var said) || said.GetString()?.Contains(named, StringComparison.Ordinal) != true))
        {
            problems.Add($"the detail does not name '{named}'");
        }

        if (c.Errors.Count > 0)
        {
            if (!problem.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"expected errors for {string.Join(", ", c.Errors)}");
            }
            else
            {
                var keys = errors.EnumerateObject().ToDictionary(e => e.Name, e => e.Value);
                problems.AddRange(c.Errors.Where(k => !keys.ContainsKey(k)).Select(k => $"errors has no {k} (has {string.Join(", ", keys.Keys)})"));
                problems.AddRange(keys.Where(k => k.Value.ValueKind != JsonValueKind.Array || k.Value.GetArrayLength() == 0 || k.Value.EnumerateArray().Any(m => string.IsNullOrWhiteSpace(m.GetString())))
                    .Select(k => $"errors.{k.Key} has no message"));
            }
        }

        return (status, contentType, body, problems);
    }

    /// <summary>A digest of every row of the data a malformed request could touch, per table.</summary>
    private async Task<Dictionary<string, string>> FingerprintAsync()
    {
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        var result = new Dictionary<string, string>();
        foreach (var table in (string[])["products", "orders", "order_lines", "customers", "leases"])
        {
            await using var digest = new NpgsqlCommand($"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t", connection);
            result[table] = (string)(await digest.ExecuteScalarAsync())!;
        }

        // A bad renew may record that it failed; nothing else may be audited.
        await using var audit = new NpgsqlCommand("SELECT count(*) FROM lease_audit WHERE action <> 'renewal-failed'", connection);
        result["lease_audit (not renewal-failed)"] = Convert.ToString(await audit.ExecuteScalarAsync(), CultureInfo.InvariantCulture)!;
        return result;
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}


using System.ComponentModel;
using System.Text.Json.Serialization;
using CollabEditor.Core.Customers;
using CollabEditor.Data.Customers;

namespace CollabEditor.WebApp.Api;

/// <summary>A customer as the API shows it.</summary>
public sealed record CustomerDto(int Id, string Name, string Email, string Phone, string Address, string Notes, int Version, string LastChangedBy, DateTimeOffset LastChangedAt)
{
    public static CustomerDto From(CustomerSnapshot c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new(c.Id, c.Values.Name, c.Values.Email, c.Values.Phone, c.Values.Address, c.Values.Notes, c.Version, c.LastChangedBy, c.LastChangedAt);
    }
}

/// <summary>What a client sends to create or replace a customer.</summary>
/// <remarks>Every member is required (a PUT replaces the whole record): a missing one is a 400 naming it, never a silent "".</remarks>
public sealed record CustomerInput(
    [property: JsonRequired] string? Name,
    [property: JsonRequired] string? Email,
    [property: JsonRequired] string? Phone,
    [property: JsonRequired] string? Address,
    [property: JsonRequired] string? Notes)
{
    /// <summary>What a PATCH may name: the five members; the rest of <see cref="CustomerDto"/> is the server's.</summary>
    public static PatchShape Shape { get; } = new("customer",
        ["name", "email", "phone", "address", "notes"], ["id", "version", "lastChangedBy", "lastChangedAt"]);

    public static CustomerInput From(CustomerValues v)
    {
        ArgumentNullException.ThrowIfNull(v);
        return new(v.Name, v.Email, v.Phone, v.Address, v.Notes);
    }

    public CustomerValues ToValues() => new(Name ?? string.Empty, Email ?? string.Empty, Phone ?? string.Empty, Address ?? string.Empty, Notes ?? string.Empty);
}

/// <summary>A customer merge patch (RFC 7396), for the OpenAPI document: members left out stay as they are; none may be null.</summary>
public sealed record CustomerMergePatch(string? Name, string? Email, string? Phone, string? Address, string? Notes);

/// <summary>/api/customers: the products' API for the third record kind, on the same write path, rules, fencing and live events as the pages.</summary>
public static class CustomersApi
{
    /// <summary>What the shared one-record endpoints (<see cref="RecordApi"/>) need to know of customers.</summary>
    public static RecordApiKind<CustomerValues, CustomerSnapshot, CustomerDto, CustomerInput> Kind { get; } = new("Customer", "/api/customers", r => r.Id, r => r.Version, r => r.Values,
        CustomerDto.From, CustomerInput.From, i => i.ToValues(), CustomerInput.Shape, "Delete a customer; its orders keep the name and lose the link, each as a new order version. Requires If-Match.");

    public static RouteGroupBuilder MapCustomersApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var customers = api.MapGroup("/customers").WithTags("Customers");

        customers.MapGet("/", async Task<IResult> (HttpContext http, CustomerStore store, string? search, string? sort, bool? desc,
            [Description(ListApi.PageDescription)] int? page, int? pageSize, [Description(ListApi.CursorDescription)] string? cursor, CancellationToken ct) =>
        {
            var (at, problem) = ListApi.ReadCursor(cursor, search, sort, desc, page, CustomerStore.SortColumns);
            if (problem is not null)
            {
                return problem;
            }

            var p = Math.Max(0, page ?? 0);
            var size = Math.Clamp(pageSize ?? 25, 1, 200);
            var result = await store.ListAsync(new CustomerQuery(search, sort, desc ?? false, p, size, at), ct);
            var (previous, next, last) = ListApi.Link(http, result.Previous, result.Next, result.Last, size, search);
            return TypedResults.Ok(new PageDto<CustomerDto>([.. result.Items.Select(CustomerDto.From)], result.TotalCount, at is null ? p : null, size,
                result.TotalIsEstimate, previous, next, last));
        }).WithSummary("List customers (search name or email, sort, page by cursor or number).").WithDescription(ListApi.Summary);

        customers.MapPost("/", (CustomerInput input, HttpContext http, CustomerStore store, CancellationToken ct) => RecordApi.CreateAsync(Kind, store, input, http, ct))
            .WithSummary("Create a customer at version 1.");
        customers.MapPut("/{id:int}", (int id, CustomerInput input, HttpContext http, CustomerStore store, CancellationToken ct) => RecordApi.ReplaceAsync(Kind, store, id, input, http, ct))
            .WithSummary("Replace a customer. Requires If-Match; Lease-Token when you hold its check-out.");

        customers.MapRecord<CustomerStore, Customer, CustomerValues, CustomerSnapshot, CustomerDto, CustomerInput, CustomerMergePatch>(
            Kind, """{"phone": "+44 20 7946 0001", "notes": "Net 30."}""",
            """[{"op": "test", "path": "/phone", "value": "+44 20 7946 0000"}, {"op": "replace", "path": "/phone", "value": "+44 20 7946 0001"}]""");

        return api;
    }
}

using System.ComponentModel;
using System.Text.Json.Serialization;
using CollabEditor.Core.Products;
using CollabEditor.Data.Products;

namespace CollabEditor.WebApp.Api;

/// <summary>A product as the API shows it.</summary>
public sealed record ProductDto(int Id, string Sku, string Name, string Description, decimal Price, int Stock, bool RequiresCheckout, int Version, string LastChangedBy, DateTimeOffset LastChangedAt)
{
    public static ProductDto From(ProductSnapshot p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new(p.Id, p.Values.Sku, p.Values.Name, p.Values.Description, p.Values.Price, p.Values.Stock, p.Values.RequiresCheckout, p.Version, p.LastChangedBy, p.LastChangedAt);
    }
}

/// <summary>What a client sends to create or replace a product.</summary>
/// <remarks>Every member is required (a PUT replaces the whole record): a missing one is a 400 naming it, never a silent 0 or "".</remarks>
public sealed record ProductInput(
    [property: JsonRequired] string? Sku,
    [property: JsonRequired] string? Name,
    [property: JsonRequired] string? Description,
    [property: JsonRequired] decimal Price,
    [property: JsonRequired] int Stock,
    [property: JsonRequired] bool RequiresCheckout)
{
    /// <summary>What a PATCH may name: the six members; the rest of <see cref="ProductDto"/> is the server's.</summary>
    public static PatchShape Shape { get; } = new("product",
        ["sku", "name", "description", "price", "stock", "requiresCheckout"], ["id", "version", "lastChangedBy", "lastChangedAt"]);

    public static ProductInput From(ProductValues v)
    {
        ArgumentNullException.ThrowIfNull(v);
        return new(v.Sku, v.Name, v.Description, v.Price, v.Stock, v.RequiresCheckout);
    }

    public ProductValues ToValues() => new(Sku ?? string.Empty, Name ?? string.Empty, Description ?? string.Empty, Price, Stock, RequiresCheckout);
}

/// <summary>A product merge patch (RFC 7396), for the OpenAPI document: members left out stay as they are; none may be null.</summary>
public sealed record ProductMergePatch(string? Sku, string? Name, string? Description, decimal? Price, int? Stock, bool? RequiresCheckout);

/// <summary>/api/products: the same store, rules, fencing and live events as the pages.</summary>
public static class ProductsApi
{
    /// <summary>What the shared one-record endpoints (<see cref="RecordApi"/>) need to know of products.</summary>
    public static RecordApiKind<ProductValues, ProductSnapshot, ProductDto, ProductInput> Kind { get; } = new("Product", "/api/products", r => r.Id, r => r.Version, r => r.Values,
        ProductDto.From, ProductInput.From, i => i.ToValues(), ProductInput.Shape, "Delete a product. Requires If-Match.");

    public static RouteGroupBuilder MapProductsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var products = api.MapGroup("/products").WithTags("Products");

        products.MapGet("/", async Task<IResult> (HttpContext http, ProductStore store, string? search, string? sort, bool? desc,
            [Description(ListApi.PageDescription)] int? page, int? pageSize, [Description(ListApi.CursorDescription)] string? cursor, CancellationToken ct) =>
        {
            var (at, problem) = ListApi.ReadCursor(cursor, search, sort, desc, page, ProductStore.SortColumns);
            if (problem is not null)
            {
                return problem;
            }

            var p = Math.Max(0, page ?? 0);
            var size = Math.Clamp(pageSize ?? 25, 1, 200);
            var result = await store.ListAsync(new ProductQuery(search, sort, desc ?? false, p, size, at), ct);
            var (previous, next, last) = ListApi.Link(http, result.Previous, result.Next, result.Last, size, search);
            return TypedResults.Ok(new PageDto<ProductDto>([.. result.Items.Select(ProductDto.From)], result.TotalCount, at is null ? p : null, size,
                result.TotalIsEstimate, previous, next, last));
        }).WithSummary("List products (search SKU or name, sort, page by cursor or number).").WithDescription(ListApi.Summary);

        products.MapPost("/", (ProductInput input, HttpContext http, ProductStore store, CancellationToken ct) => RecordApi.CreateAsync(Kind, store, input, http, ct))
            .WithSummary("Create a product at version 1.");
        products.MapPut("/{id:int}", (int id, ProductInput input, HttpContext http, ProductStore store, CancellationToken ct) => RecordApi.ReplaceAsync(Kind, store, id, input, http, ct))
            .WithSummary("Replace a product. Requires If-Match; Lease-Token when you hold its check-out.");

        products.MapRecord<ProductStore, Product, ProductValues, ProductSnapshot, ProductDto, ProductInput, ProductMergePatch>(
            Kind, """{"stock": 12, "description": "Solid oak, oiled"}""",
            """[{"op": "test", "path": "/stock", "value": 11}, {"op": "replace", "path": "/stock", "value": 12}]""");

        return api;
    }
}

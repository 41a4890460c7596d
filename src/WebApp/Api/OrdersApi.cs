using System.ComponentModel;
using System.Text.Json.Serialization;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Validation;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Account;
using static CollabEditor.WebApp.Api.ApiConventions;

namespace CollabEditor.WebApp.Api;

/// <summary>An order line as the API shows it.</summary>
public sealed record OrderLineDto(Guid Id, int ProductId, string Sku, string ProductName, int Quantity, decimal UnitPrice, decimal LineTotal);

/// <summary>An order with its lines, as the API shows it.</summary>
/// <remarks><c>CustomerId</c> is the linked customer (null: the name alone); linking copies that customer's name, which is then the order's own.</remarks>
public sealed record OrderDto(int Id, string Number, string CustomerName, int? CustomerId, OrderStatus Status, string Notes, IReadOnlyList<OrderLineDto> Lines, decimal Total, int Version, string LastChangedBy, DateTimeOffset LastChangedAt)
{
    public static OrderDto From(OrderSnapshot o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return new(o.Id, o.Number, o.Values.Header.CustomerName, o.Values.Header.CustomerId, o.Values.Header.Status, o.Values.Header.Notes,
            [.. o.Values.Lines.Select(l => new OrderLineDto(l.LineId, l.ProductId, l.Sku, l.ProductName, l.Quantity, l.UnitPrice, l.LineTotal))],
            o.Values.Total, o.Version, o.LastChangedBy, o.LastChangedAt);
    }
}

/// <summary>What a client sends to create an order (a draft with no lines); with a customerId the name is copied from that customer.</summary>
public sealed record OrderCreateInput(string? CustomerName, string? Notes, int? CustomerId = null);

/// <summary>One line in a replace: an existing line id to keep or change it, no id to add a line; unit price defaults to the product's.</summary>
public sealed record OrderLineInput(Guid? Id, [property: JsonRequired] int ProductId, [property: JsonRequired] int Quantity, decimal? UnitPrice);

/// <summary>What a client sends to replace an order: header and the complete list of lines.</summary>
/// <remarks>
/// <c>customerId</c> is optional, so a client that knows only <c>customerName</c> keeps working: a PUT
/// without it (or with null) keeps the current link while <c>customerName</c> is the linked name as
/// it is, and unlinks when the name is changed. PATCH <c>{"customerId": null}</c> unlinks keeping the name.
/// </remarks>
public sealed record OrderInput(
    [property: JsonRequired] string? CustomerName,
    [property: JsonRequired, JsonConverter(typeof(NamedEnumConverter<OrderStatus>))] OrderStatus Status,
    [property: JsonRequired] string? Notes,
    IReadOnlyList<OrderLineInput>? Lines,
    int? CustomerId = null)
{
    /// <summary>What a PATCH may name: header members and lines (each by id, product, quantity, unit price); the rest of <see cref="OrderDto"/> is the server's.</summary>
    public static PatchShape Shape { get; } = new("order",
        ["customerName", "customerId", "status", "notes", "lines"], ["id", "number", "total", "version", "lastChangedBy", "lastChangedAt"],
        ListMember: "lines", ItemWritable: ["id", "productId", "quantity", "unitPrice"], ItemReadOnly: ["sku", "productName", "lineTotal"], ItemKey: "id", Item: "line",
        Optional: ["customerId"]);

    /// <summary>The replace that would keep the order as it is.</summary>
    public static OrderInput From(OrderValues v)
    {
        ArgumentNullException.ThrowIfNull(v);
        return new(v.Header.CustomerName, v.Header.Status, v.Header.Notes, [.. v.Lines.Select(l => new OrderLineInput(l.LineId, l.ProductId, l.Quantity, l.UnitPrice))], v.Header.CustomerId);
    }
}

/// <summary>An order merge patch (RFC 7396), for the OpenAPI document: members left out stay as they are; <c>lines</c>, when given, is the whole new list.</summary>
/// <remarks><c>customerId</c> may be null: that unlinks the customer and keeps the name.</remarks>
public sealed record OrderMergePatch(string? CustomerName, int? CustomerId, OrderStatus? Status, string? Notes, IReadOnlyList<OrderLineInput>? Lines);

/// <summary>/api/orders: the aggregate is changed only as a whole, under one version.</summary>
public static class OrdersApi
{
    public static RouteGroupBuilder MapOrdersApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var orders = api.MapGroup("/orders").WithTags("Orders");

        orders.MapGet("/", async Task<IResult> (HttpContext http, OrderStore store, string? search, string? sort, bool? desc,
            [Description(ListApi.PageDescription)] int? page, int? pageSize, [Description(ListApi.CursorDescription)] string? cursor, CancellationToken ct) =>
        {
            var (at, problem) = ListApi.ReadCursor(cursor, search, sort, desc, page, OrderStore.SortColumns);
            if (problem is not null)
            {
                return problem;
            }

            var p = Math.Max(0, page ?? 0);
            var size = Math.Clamp(pageSize ?? 25, 1, 200);
            var result = await store.ListAsync(new OrderQuery(search, sort, desc ?? false, p, size, at), ct);
            var (previous, next, last) = ListApi.Link(http, result.Previous, result.Next, result.Last, size, search);
            return TypedResults.Ok(new PageDto<OrderSummary>(result.Items, result.TotalCount, at is null ? p : null, size,
                result.TotalIsEstimate, previous, next, last));
        }).WithSummary("List orders (search number or customer, sort, page by cursor or number) with line count and total.").WithDescription(ListApi.Summary);

        orders.MapMethods("/{id:int}", [HttpMethods.Get, HttpMethods.Head], async Task<IResult> (int id, HttpContext http, OrderStore store, CancellationToken ct) =>
        {
            var order = await store.GetAsync(id, ct);
            if (order is null)
            {
                return NotFound($"Order {id}");
            }

            var ifNoneMatch = IfNoneMatch(http.Request);
            http.Response.Headers.ETag = ETagFor(order.Version);
            return ifNoneMatch.Present && (ifNoneMatch.Any || ifNoneMatch.Versions.Contains(order.Version))
                ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
                : TypedResults.Ok(OrderDto.From(order));
        }).WithSummary("Get an order with its lines; its ETag is its version.");

        orders.MapPost("/", async Task<IResult> (OrderCreateInput input, HttpContext http, OrderStore store, CancellationToken ct) =>
        {
            var result = await store.CreateAsync(new OrderHeader(input.CustomerName ?? string.Empty, OrderStatus.Draft, input.Notes ?? string.Empty, input.CustomerId), http.User.ToActor(), ct);
            if (result is OrderSaveResult.Saved saved)
            {
                http.Response.Headers.ETag = ETagFor(saved.Current.Version);
                return TypedResults.Created($"/api/orders/{saved.Current.Id}", OrderDto.From(saved.Current));
            }

            return ToProblem(result, "Order");
        }).WithSummary("Create a draft order.");

        orders.MapPut("/{id:int}", async Task<IResult> (int id, OrderInput input, HttpContext http, OrderStore store, ProductStore products, CancellationToken ct) =>
        {
            var current = await store.GetAsync(id, ct);
            if (current is null)
            {
                return NotFound($"Order {id}");
            }

            var (expected, token, problem) = WritePreconditions(http.Request);
            if (problem is not null)
            {
                return problem;
            }

            // An old client knows only the name: the same name without customerId keeps the link.
            var header = current.Values.Header;
            if (input.CustomerId is null && header.CustomerId is not null && string.Equals(input.CustomerName?.Trim(), header.CustomerName, StringComparison.Ordinal))
            {
                input = input with { CustomerId = header.CustomerId };
            }

            return await SaveAsync(current, expected, token, input, http, store, products, ct);
        }).WithSummary("Replace an order: header and all lines in one version. Requires If-Match. Without customerId the link is kept while customerName is unchanged.");

        orders.MapPatch("/{id:int}", async Task<IResult> (int id, HttpContext http, OrderStore store, ProductStore products, CancellationToken ct) =>
        {
            var current = await store.GetAsync(id, ct);
            if (current is null)
            {
                return NotFound($"Order {id}");
            }

            var (expected, token, patch, problem) = await Patching.ReadAsync(http.Request, current.Version, () => Stale(OrderDto.From(current), current.Version), ct);
            if (problem is not null)
            {
                return problem;
            }

            // The whole new order from the current one plus the patch, saved like a PUT: the version check makes the read-modify-write safe.
            var (input, invalid) = Patching.Apply<OrderInput>(patch!, OrderInput.From(current.Values), OrderInput.Shape);
            if (invalid is not null)
            {
                return invalid;
            }

            // As for a PUT and the order editor: a changed name with the link left as it was is a name of its own, so the link goes.
            var header = current.Values.Header;
            if (header.CustomerId is not null && input!.CustomerId == header.CustomerId && !string.Equals(input.CustomerName?.Trim(), header.CustomerName, StringComparison.Ordinal))
            {
                input = input with { CustomerId = null };
            }

            return await SaveAsync(current, expected, token, input!, http, store, products, ct);
        })
        .WithSummary("Change some of an order in one version: merge patch (RFC 7396; lines, when given, is the whole list) or JSON Patch (RFC 6902; /lines/0/quantity). Requires If-Match.")
        .WithPatchDocumentation<OrderMergePatch>("""{"notes": "Deliver after 10:00", "status": "Submitted"}""",
            """[{"op": "test", "path": "/lines/0/quantity", "value": 3}, {"op": "replace", "path": "/lines/0/quantity", "value": 5}, {"op": "add", "path": "/lines/-", "value": {"productId": 7, "quantity": 1}}]""");

        orders.MapDelete("/{id:int}", async Task<IResult> (int id, HttpContext http, OrderStore store, CancellationToken ct) =>
        {
            var current = await store.GetAsync(id, ct);
            if (current is null)
            {
                return NotFound($"Order {id}");
            }

            var (expected, token, problem) = WritePreconditions(http.Request);
            if (problem is not null)
            {
                return problem;
            }

            var result = await store.DeleteAsync(id, expected, http.User.ToActor(), token, ct);
            return result is OrderSaveResult.Saved ? TypedResults.NoContent() : ToProblem(result, $"Order {id}");
        }).WithSummary("Delete an order and its lines. Requires If-Match.");

        return api;
    }

    /// <summary>The wanted aggregate from the input: kept lines keep their product copy, new lines copy the product now.</summary>
    private static async Task<(OrderValues Values, List<FieldError> Errors)> BuildAsync(OrderInput input, OrderSnapshot current, ProductStore products, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var existing = current.Values.Lines.ToDictionary(l => l.LineId);
        var lines = new List<OrderLine>();
        if (input.Lines is null)
        {
            // A replace names every line it keeps: a missing list is not "no lines".
            return (current.Values, [new("Lines", "Lines is required: send the order's whole list of lines ([] for none).")]);
        }

        var inputs = input.Lines;
        if (inputs.Count > OrderRules.LinesMax)
        {
            return (current.Values, [new("Lines", $"An order can have at most {OrderRules.LinesMax} lines.")]);
        }

        for (var i = 0; i < inputs.Count; i++)
        {
            var line = inputs[i];
            if (line is null)
            {
                errors.Add(new($"Lines[{i}]", $"Line {i + 1}: a line is required, not null."));
                continue;
            }

            if (line.Id is { } lineId && existing.TryGetValue(lineId, out var kept) && kept.ProductId == line.ProductId)
            {
                lines.Add(kept with { Quantity = line.Quantity, UnitPrice = line.UnitPrice ?? kept.UnitPrice });
                continue;
            }

            if (line.Id is { } unknown && !existing.ContainsKey(unknown))
            {
                errors.Add(new($"Lines[{i}].Id", $"Line {i + 1}: line {unknown} is not on this order; leave the id out to add a line."));
            }

            var product = line.ProductId > 0 ? await products.GetAsync(line.ProductId, ct) : null;
            if (product is null && line.ProductId > 0)
            {
                errors.Add(new($"Lines[{i}].ProductId", $"Line {i + 1}: product {line.ProductId} does not exist."));
            }

            // A line that failed a lookup still takes its place, so every error below names its own index.
            lines.Add(product is null
                ? new OrderLine(Guid.NewGuid(), line.ProductId, "?", "?", line.Quantity, line.UnitPrice ?? 0m)
                : new OrderLine(line.Id is { } id && existing.ContainsKey(id) ? id : Guid.NewGuid(), product.Id, product.Values.Sku, product.Values.Name, line.Quantity, line.UnitPrice ?? product.Values.Price));
        }

        var values = new OrderValues(new OrderHeader(input.CustomerName ?? string.Empty, input.Status, input.Notes ?? string.Empty, input.CustomerId), lines);
        // A linked order's name is its customer's, copied by the save: the name sent does not matter.
        errors.AddRange(OrderRules.Validate(input.CustomerId is null ? values : values.WithHeader(values.Header with { CustomerName = "-" })));
        return (values, errors);
    }

    /// <summary>The aggregate a PUT or PATCH asks for, checked and saved under one version (OrderStore's single transaction).</summary>
    private static async Task<IResult> SaveAsync(OrderSnapshot current, int expected, Guid? token, OrderInput input, HttpContext http, OrderStore store, ProductStore products, CancellationToken ct)
    {
        var (wanted, errors) = await BuildAsync(input, current, products, ct);
        if (errors.Count > 0)
        {
            return Validation(errors);
        }

        var result = await store.SaveAsync(current.Id, expected, wanted, http.User.ToActor(), token, ct);
        if (result is OrderSaveResult.Saved saved)
        {
            http.Response.Headers.ETag = ETagFor(saved.Current.Version);
            return TypedResults.Ok(OrderDto.From(saved.Current));
        }

        return ToProblem(result, $"Order {current.Id}");
    }

    private static IResult ToProblem(OrderSaveResult result, string what) => result switch
    {
        OrderSaveResult.Invalid invalid => Validation(invalid.Errors),
        OrderSaveResult.Conflict conflict => Stale(OrderDto.From(conflict.Theirs), conflict.Theirs.Version),
        OrderSaveResult.Locked locked => Locked(locked.Holder),
        OrderSaveResult.NotHolder notHolder => NotHolder(notHolder.Holder),
        OrderSaveResult.LeaseLost => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Lease not held", detail: OrderSaveResult.LeaseLost.Message),
        _ => NotFound(what),
    };
}

using CollabEditor.Core.History;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;
using CollabEditor.Data.History;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Account;
using static CollabEditor.WebApp.Api.ApiConventions;

namespace CollabEditor.WebApp.Api;

/// <summary>One field's change between two versions.</summary>
public sealed record FieldChangeDto(string Field, object? Old, object? New);

/// <summary>One line's change between two versions.</summary>
public sealed record LineChangeDto(Guid LineId, string Change, string Sku, IReadOnlyList<FieldChangeDto> Fields);

/// <summary>A timeline entry: a committed version (with its values and diff) or a lease event.</summary>
public sealed record HistoryItemDto(
    string Type, DateTimeOffset At, int? Version = null, string? ChangedBy = null, bool? Deleted = null, object? Values = null,
    int? PreviousVersion = null, IReadOnlyList<FieldChangeDto>? Fields = null, IReadOnlyList<LineChangeDto>? Lines = null,
    string? Action = null, string? UserName = null, string? HolderName = null, long? Fencing = null, string? Reason = null)
{
    public static HistoryItemDto From(HistoryItem item) => item switch
    {
        LeaseEvent l => new("lease", l.At, Action: l.Action, UserName: l.UserName, HolderName: l.HolderName, Fencing: l.Fencing, Reason: l.Reason),
        VersionEntry v => new("version", v.At, v.Version, v.ChangedBy, v.Deleted, ValuesOf(v), v.Diff.PreviousVersion,
            [.. v.Diff.Fields.Select(f => new FieldChangeDto(f.Name, f.Old, f.New))],
            [.. v.Diff.Lines.Select(l => new LineChangeDto(l.LineId, l.Kind.ToString(), l.Line.Sku, [.. l.Fields.Select(f => new FieldChangeDto(f.Name, f.Old, f.New))]))]),
        _ => throw new ArgumentOutOfRangeException(nameof(item)),
    };

    private static object? ValuesOf(VersionEntry v) => v switch
    {
        VersionEntry<ProductValues> p => p.Values,
        VersionEntry<OrderValues> o => new { o.Values.Header.CustomerName, o.Values.Header.Status, o.Values.Header.Notes, o.Values.Lines, o.Values.Total },
        _ => null,
    };
}

/// <summary>/api/{products|orders}/{id}/history, and restoring a version as a new one.</summary>
public static class HistoryApi
{
    public static RouteGroupBuilder MapHistoryApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);

        api.MapGet("/products/{id:int}/history", async Task<IResult> (int id, HistoryStore history, ProductStore products, CancellationToken ct) =>
        {
            var items = await history.ProductHistoryAsync(id, ct: ct);
            return items.Count == 0 && await products.GetAsync(id, ct) is null
                ? NotFound($"Product {id}")
                : TypedResults.Ok(items.Select(HistoryItemDto.From).ToList());
        }).WithTags("History").WithSummary("Every committed version of a product (newest first, with field diffs) and its check-out events.");

        api.MapGet("/orders/{id:int}/history", async Task<IResult> (int id, HistoryStore history, OrderStore orders, CancellationToken ct) =>
        {
            var items = await history.OrderHistoryAsync(id, ct: ct);
            return items.Count == 0 && await orders.GetAsync(id, ct) is null
                ? NotFound($"Order {id}")
                : TypedResults.Ok(items.Select(HistoryItemDto.From).ToList());
        }).WithTags("History").WithSummary("Every committed version of an order (header and line diffs) and its check-out events.");

        api.MapPost("/products/{id:int}/history/{version:int}/restore", async Task<IResult> (int id, int version, HttpContext http, HistoryStore history, ProductStore products, CancellationToken ct) =>
        {
            var current = await products.GetAsync(id, ct);
            if (current is null)
            {
                return NotFound($"Product {id}");
            }

            var (expected, token, problem) = WritePreconditions(http.Request);
            if (problem is not null)
            {
                return problem;
            }

            return await history.RestoreProductAsync(id, version, expected, http.User.ToActor(), token, ct) switch
            {
                SaveResult.Saved s => Ok(http, s.Current.Version, ProductDto.From(s.Current)),
                SaveResult.Conflict c => Stale(ProductDto.From(c.Theirs), c.Theirs.Version),
                SaveResult.Invalid i => Validation(i.Errors),
                SaveResult.Locked l => Locked(l.Holder),
                SaveResult.NotHolder n => NotHolder(n.Holder),
                _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not restored", detail: "The product cannot be written now (check-out required or ended)."),
            };
        }).WithTags("History").WithSummary("Write an old version's values as a new version. Requires If-Match.");

        api.MapPost("/orders/{id:int}/history/{version:int}/restore", async Task<IResult> (int id, int version, HttpContext http, HistoryStore history, OrderStore orders, CancellationToken ct) =>
        {
            var current = await orders.GetAsync(id, ct);
            if (current is null)
            {
                return NotFound($"Order {id}");
            }

            var (expected, token, problem) = WritePreconditions(http.Request);
            if (problem is not null)
            {
                return problem;
            }

            return await history.RestoreOrderAsync(id, version, expected, http.User.ToActor(), token, ct) switch
            {
                OrderSaveResult.Saved s => Ok(http, s.Current.Version, OrderDto.From(s.Current)),
                OrderSaveResult.Conflict c => Stale(OrderDto.From(c.Theirs), c.Theirs.Version),
                OrderSaveResult.Invalid i => Validation(i.Errors),
                OrderSaveResult.Locked l => Locked(l.Holder),
                OrderSaveResult.NotHolder n => NotHolder(n.Holder),
                _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not restored", detail: "The order cannot be written now."),
            };
        }).WithTags("History").WithSummary("Write an old version's values as a new version of the order. Requires If-Match.");

        foreach (var kind in (string[])["products", "orders"])
        {
            api.MapMethodNotAllowed($"/{kind}/{{id:int}}/history", HttpMethods.Get);
            api.MapMethodNotAllowed($"/{kind}/{{id:int}}/history/{{version:int}}/restore", HttpMethods.Post);
        }

        return api;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<T> Ok<T>(HttpContext http, int version, T body)
    {
        http.Response.Headers.ETag = ETagFor(version);
        return TypedResults.Ok(body);
    }
}

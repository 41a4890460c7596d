using CollabEditor.Core.History;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Products;
using CollabEditor.Data.Customers;
using CollabEditor.Data.History;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Account;
using System.ComponentModel;
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

/// <summary>/api/{products|orders|customers}/{id}/history, and restoring a version as a new one.</summary>
public static class HistoryApi
{
    /// <summary>The most entries one page of history holds.</summary>
    public const int MaxLimit = 500;

    private const string LimitDescription = "How many entries at most (1-500; default 200).";

    private const string CursorDescription = "Where to continue: the cursor from the previous page's Link rel=\"next\" (opaque).";

    private const string PagingDescription =
        "Newest first, a page at a time: while more entries follow, the response has a `Link: <…?limit=…&cursor=…>; rel=\"next\"` header "
        + "(RFC 8288); follow it until there is none. Following the links reads the whole timeline once, with no duplicates and no gaps, "
        + "even while others save (their new versions are newer than the cursor: read the first page again to see them). "
        + "A limit outside 1-500 or a cursor this API did not make is a 400 naming it.";

    public static RouteGroupBuilder MapHistoryApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);

        api.MapGet("/products/{id:int}/history", async Task<IResult> (
            int id, [Description(LimitDescription)] int? limit, [Description(CursorDescription)] string? cursor, HttpContext http, HistoryStore history, ProductStore products, CancellationToken ct) =>
            await PageAsync(http, limit, cursor, (take, after) => history.ProductHistoryPageAsync(id, take, after, ct), async () => await products.GetAsync(id, ct) is not null, $"Product {id}"))
            .WithTags("History").WithSummary("Every committed version of a product (newest first, with field diffs) and its check-out events, a page at a time.")
            .WithDescription(PagingDescription);

        api.MapGet("/orders/{id:int}/history", async Task<IResult> (
            int id, [Description(LimitDescription)] int? limit, [Description(CursorDescription)] string? cursor, HttpContext http, HistoryStore history, OrderStore orders, CancellationToken ct) =>
            await PageAsync(http, limit, cursor, (take, after) => history.OrderHistoryPageAsync(id, take, after, ct), async () => await orders.GetAsync(id, ct) is not null, $"Order {id}"))
            .WithTags("History").WithSummary("Every committed version of an order (header and line diffs) and its check-out events, a page at a time.")
            .WithDescription(PagingDescription);

        api.MapGet("/customers/{id:int}/history", async Task<IResult> (
            int id, [Description(LimitDescription)] int? limit, [Description(CursorDescription)] string? cursor, HttpContext http, HistoryStore history, CustomerStore customers, CancellationToken ct) =>
            await PageAsync(http, limit, cursor, (take, after) => history.CustomerHistoryPageAsync(id, take, after, ct), async () => await customers.GetAsync(id, ct) is not null, $"Customer {id}"))
            .WithTags("History").WithSummary("Every committed version of a customer (newest first, with field diffs) and its check-out events, a page at a time.")
            .WithDescription(PagingDescription);

        api.MapPost("/customers/{id:int}/history/{version:int}/restore", (int id, int version, HttpContext http, HistoryStore history, CustomerStore customers, CancellationToken ct) =>
            RestoreAsync(http, CustomersApi.Kind, async () => await customers.GetAsync(id, ct) is not null, $"Customer {id}",
                (expected, token) => history.RestoreCustomerAsync(id, version, expected, http.User.ToActor(), token, ct), "The customer cannot be written now (its check-out ended)."))
            .WithTags("History").WithSummary("Write an old version's values as a new version of the customer. Requires If-Match.");

        api.MapPost("/products/{id:int}/history/{version:int}/restore", (int id, int version, HttpContext http, HistoryStore history, ProductStore products, CancellationToken ct) =>
            RestoreAsync(http, ProductsApi.Kind, async () => await products.GetAsync(id, ct) is not null, $"Product {id}",
                (expected, token) => history.RestoreProductAsync(id, version, expected, http.User.ToActor(), token, ct), "The product cannot be written now (check-out required or ended)."))
            .WithTags("History").WithSummary("Write an old version's values as a new version. Requires If-Match.");

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

        foreach (var kind in (string[])["products", "orders", "customers"])
        {
            api.MapMethodNotAllowed($"/{kind}/{{id:int}}/history", HttpMethods.Get);
            api.MapMethodNotAllowed($"/{kind}/{{id:int}}/history/{{version:int}}/restore", HttpMethods.Post);
        }

        return api;
    }

    /// <summary>Restores a version of a one-row record (products, customers) as a new one: 404, 428/412, 400, 423, 403 or 409 when not.</summary>
    private static async Task<IResult> RestoreAsync<TValues, TSnapshot, TDto, TInput>(HttpContext http, RecordApiKind<TValues, TSnapshot, TDto, TInput> kind,
        Func<Task<bool>> exists, string what, Func<int, Guid?, Task<Core.Records.SaveResult<TSnapshot>>> restore, string cannot)
    {
        if (!await exists())
        {
            return NotFound(what);
        }

        var (expected, token, problem) = WritePreconditions(http.Request);
        if (problem is not null)
        {
            return problem;
        }

        return await restore(expected, token) switch
        {
            Core.Records.SaveResult<TSnapshot>.Saved s => Ok(http, kind.Version(s.Current), kind.Dto(s.Current)),
            Core.Records.SaveResult<TSnapshot>.Conflict c => Stale(kind.Dto(c.Theirs), kind.Version(c.Theirs)),
            Core.Records.SaveResult<TSnapshot>.Invalid i => Validation(i.Errors),
            Core.Records.SaveResult<TSnapshot>.Locked l => Locked(l.Holder),
            Core.Records.SaveResult<TSnapshot>.NotHolder n => NotHolder(n.Holder),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not restored", detail: cannot),
        };
    }

    /// <summary>
    /// One page of a timeline: validates <c>limit</c> and <c>cursor</c> (400 naming them), answers 404
    /// when the record never existed, and links the next page (RFC 8288 <c>Link: rel="next"</c>) while there is one.
    /// </summary>
    private static async Task<IResult> PageAsync(
        HttpContext http, int? limit, string? cursor, Func<int, HistoryCursor?, Task<HistoryPage>> read, Func<Task<bool>> exists, string what)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return Validation([new("limit", $"limit must be between 1 and {MaxLimit} (default {HistoryStore.DefaultTake}).")]);
        }

        HistoryCursor? after = null;
        if (cursor is not null && !HistoryCursor.TryParse(cursor, out after))
        {
            return Validation([new("cursor", "cursor must be the value of a next link this API returned.")]);
        }

        var take = limit ?? HistoryStore.DefaultTake;
        var page = await read(take, after);
        if (page.Items.Count == 0 && after is null && !await exists())
        {
            return NotFound(what);
        }

        if (page.Next is { } next)
        {
            var url = $"{http.Request.PathBase}{http.Request.Path}?limit={take}&cursor={next.Encode()}";
            http.Response.Headers.Link = $"<{url}>; rel=\"next\"";
        }

        return TypedResults.Ok(page.Items.Select(HistoryItemDto.From).ToList());
    }

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<T> Ok<T>(HttpContext http, int version, T body)
    {
        http.Response.Headers.ETag = ETagFor(version);
        return TypedResults.Ok(body);
    }
}

using CollabEditor.Data.Lists;
using Microsoft.AspNetCore.WebUtilities;
using static CollabEditor.WebApp.Api.ApiConventions;

namespace CollabEditor.WebApp.Api;

/// <summary>
/// A page of results. <c>Total</c> is exact up to the <c>Lists:CountCap</c> setting; past it it is the
/// database planner's estimate and <c>TotalIsEstimate</c> is true. <c>Page</c> is the page number asked
/// for (null for a page read by cursor); the cursors lead to the pages before and after this one (null
/// at either end) and to the last page, the same as the <c>Link</c> header's rel="prev", "next", "last".
/// </summary>
public sealed record PageDto<T>(IReadOnlyList<T> Items, int Total, int? Page, int PageSize, bool TotalIsEstimate = false,
    string? PreviousCursor = null, string? NextCursor = null, string? LastCursor = null);

/// <summary>What the products and orders lists share: page or cursor, validated, and the links between pages.</summary>
internal static class ListApi
{
    public const string CursorDescription =
        "Where to go: previousCursor, nextCursor or lastCursor of a page this API returned (opaque; it carries its sort). "
        + "Costs the same at any depth. Give it instead of page, with the same search; sort and desc may be left out (or must match it).";

    public const string PageDescription = "Page number from 0 (OFFSET: kept for old clients; slow when deep — use cursor).";

    public const string Summary =
        "Page 0 (the default) or any cursor page comes with previousCursor/nextCursor/lastCursor and RFC 8288 Link headers "
        + "(rel=\"prev\", \"next\", \"last\"). Past Lists:CountCap matches the total is the planner's estimate (totalIsEstimate).";

    /// <summary>The query's cursor, or a 400 naming the parameter that is wrong.</summary>
    public static (ListCursor? Cursor, IResult? Problem) ReadCursor<TEntity>(
        string? cursor, string? search, string? sort, bool? desc, int? page, IReadOnlyList<KeysetColumn<TEntity>> columns)
    {
        if (cursor is null)
        {
            return (null, null);
        }

        if (!ListCursor.TryDecode(cursor, out var parsed)
            || columns.FirstOrDefault(c => c.Name == parsed.Sort) is not { } column
            || (parsed.Key is not null && !column.Accepts(parsed.Key)))
        {
            return (null, Validation([new("cursor", "cursor must be previousCursor, nextCursor or lastCursor of a page this API returned.")]));
        }

        if (page is not null)
        {
            return (null, Validation([new("page", "Give page or cursor, not both: a cursor already says where the page is.")]));
        }

        if (parsed.Filter != ListCursor.FilterTag(search))
        {
            return (null, Validation([new("search", "The cursor was made for another search: give the search it came with, or start again without a cursor.")]));
        }

        if ((sort is not null && sort != parsed.Sort) || (desc is not null && desc != parsed.Descending))
        {
            return (null, Validation([new("sort", $"The cursor continues the sort {parsed.Sort}{(parsed.Descending ? " descending" : string.Empty)}: leave sort and desc out, or give the same.")]));
        }

        return (parsed, null);
    }

    /// <summary>Links the pages around this one (RFC 8288) and returns the body's cursors.</summary>
    public static (string? Previous, string? Next, string? Last) Link(HttpContext http, ListCursor? previous, ListCursor? next, ListCursor? last, int pageSize, string? search)
    {
        var links = new List<string>();
        string? Add(ListCursor? cursor, string rel)
        {
            if (cursor is null)
            {
                return null;
            }

            var token = (cursor with { Filter = ListCursor.FilterTag(search) }).Encode();
            var query = new Dictionary<string, string?> { ["cursor"] = token, ["pageSize"] = pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            if (!string.IsNullOrEmpty(search))
            {
                query["search"] = search;
            }

            links.Add($"<{QueryHelpers.AddQueryString($"{http.Request.PathBase}{http.Request.Path}", query)}>; rel=\"{rel}\"");
            return token;
        }

        var result = (Add(previous, "prev"), Add(next, "next"), Add(last, "last"));
        if (links.Count > 0)
        {
            http.Response.Headers.Link = string.Join(", ", links);
        }

        return result;
    }
}

using CollabEditor.Core.Products;
using CollabEditor.Data.Lists;

namespace CollabEditor.Data.Products;

/// <summary>
/// A page request for the product list: search text, sort column and direction, and either a
/// <paramref name="Cursor"/> (keyset: the same cost at any depth; its sort wins) or a page number
/// (OFFSET: kept for programs, slow when deep). Page 0 without a cursor is the first keyset page.
/// </summary>
public sealed record ProductQuery(string? Search = null, string? SortBy = null, bool Descending = false, int Page = 0, int PageSize = 25, ListCursor? Cursor = null);

/// <summary>
/// One page of products and the total that matched (the planner's estimate when <paramref name="TotalIsEstimate"/>);
/// for a keyset page, the cursors to the pages before and after it (null at either end) and to the last page.
/// </summary>
public sealed record ProductPage(IReadOnlyList<ProductSnapshot> Items, int TotalCount, bool TotalIsEstimate = false,
    ListCursor? Previous = null, ListCursor? Next = null, ListCursor? Last = null) : IListPage<ProductSnapshot>;

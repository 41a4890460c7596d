using CollabEditor.Core.Products;

namespace CollabEditor.Data.Products;

/// <summary>A page request for the product list: search text, sort column and direction, page.</summary>
public sealed record ProductQuery(string? Search = null, string? SortBy = null, bool Descending = false, int Page = 0, int PageSize = 25);

/// <summary>One page of products and the total that matched (the planner's estimate when <paramref name="TotalIsEstimate"/>).</summary>
public sealed record ProductPage(IReadOnlyList<ProductSnapshot> Items, int TotalCount, bool TotalIsEstimate = false);

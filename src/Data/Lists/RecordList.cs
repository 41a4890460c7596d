using System.Linq.Expressions;

namespace CollabEditor.Data.Lists;

/// <summary>A row a list pages through: one with an int id.</summary>
public interface IListRow
{
    int Id { get; }
}

/// <summary>How a record kind's list is searched: its table, the search as EF sees it and as SQL, and its sorts.</summary>
/// <param name="Matches">The search filter for a LIKE pattern (<see cref="ListTotal.ContainsPattern"/>).</param>
/// <param name="MatchesSql">The same filter as SQL on <paramref name="Table"/>, with the pattern as $1.</param>
public sealed record RecordList<TRow>(string Table, Func<string, Expression<Func<TRow, bool>>> Matches, string MatchesSql,
    IReadOnlyList<KeysetColumn<TRow>> SortColumns)
    where TRow : IListRow
{
    /// <summary>
    /// One page of <paramref name="rows"/> matching <paramref name="search"/> (every list's rules: a
    /// keyset page for a cursor or page 0, OFFSET otherwise; the total exact up to the cap) and the total.
    /// </summary>
    public async Task<(KeysetPage<TRow> Page, ListTotal Total)> PageAsync(IQueryable<TRow> rows, Npgsql.NpgsqlDataSource dataSource, int countCap,
        string? search, string? sortBy, bool descending, int page, int pageSize, ListCursor? cursor, CancellationToken ct)
    {
        search = search?.Replace("\0", string.Empty, StringComparison.Ordinal);
        Func<IQueryable<TRow>, IQueryable<TRow>>? filter = null;
        var probe = true;
        ListTotal total;
        if (!string.IsNullOrWhiteSpace(search))
        {
            // ESCAPE '\' must be named in Matches: without it EF writes ESCAPE '' and the escaped % and
            // _ would match a backslash instead of themselves. Trigram indexes serve the columns.
            var matches = Matches(ListTotal.ContainsPattern(search));
            filter = q => q.Where(matches);
            (total, var ids) = await ListTotal.SearchAsync(filter(rows).Select(r => r.Id), countCap, dataSource, Table, MatchesSql, [ListTotal.ContainsPattern(search)], ct);
            if (ids is not null)
            {
                // Few matches, all known: the page is read by their ids.
                var known = ids.ToArray();
                filter = q => q.Where(r => known.Contains(r.Id));
                probe = false;
            }
        }
        else
        {
            total = await ListTotal.CountAsync(rows, countCap, token => ListTotal.EstimateAsync(dataSource, $"SELECT 1 FROM {Table}", [], token), ct);
        }

        pageSize = Math.Clamp(pageSize, 1, 200);
        sortBy = cursor?.Sort ?? sortBy;
        descending = cursor?.Descending ?? descending;
        var column = SortColumns.FirstOrDefault(c => c.Name == sortBy) ?? SortColumns[0];
        var result = cursor is not null || page == 0
            ? await Keyset.PageAsync(rows, column, descending, cursor, pageSize, ct, filter, probe)
            : await Keyset.OffsetPageAsync(filter is null ? rows : filter(rows), column, descending, page, pageSize, ct);
        return (result, total);
    }
}

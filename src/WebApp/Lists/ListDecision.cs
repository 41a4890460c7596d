using CollabEditor.Data.Lists;

namespace CollabEditor.WebApp.Lists;

/// <summary>What an open list does about a batch of changes.</summary>
public enum ListAction
{
    /// <summary>Nothing it shows or counts changed.</summary>
    Unchanged,

    /// <summary>Rows it shows changed in place: show <see cref="ListDecision{TRow}.Rows"/>, no query.</summary>
    Patch,

    /// <summary>Rows may have moved in or out (or the total changed): run the list's query again.</summary>
    Requery,
}

/// <summary>The verdict on one batch: the action, the rows to show (for a patch), and why (for logs and tests).</summary>
public sealed record ListDecision<TRow>(ListAction Action, IReadOnlyList<TRow> Rows, string Reason);

/// <summary>
/// What an open list shows, however it was fetched (page number or cursor): the rows in order, the
/// sort the store was asked for, the search text, whether nothing comes before the first row (the
/// first page) and the page size (a shorter page is the end of the list).
/// </summary>
public sealed record ListView<TRow>(IReadOnlyList<TRow> Rows, string? SortBy, bool Descending, string? Search, bool FirstPage, int PageSize);

/// <summary>
/// One batch of changes to a collection, read once by the instance for all its open lists.
/// </summary>
/// <param name="Requery">A row was inserted or deleted, events may have been missed, or patching is off: every list re-queries.</param>
/// <param name="Saved">The fresh rows of the records saved in the batch (read after the events), by id.</param>
/// <param name="Holders">For the records whose lease changed in the batch: who holds it now (null: nobody), by id.</param>
/// <param name="Text">How the database orders and folds text.</param>
public sealed record ListChanges<TItem>(bool Requery, IReadOnlyDictionary<int, TItem> Saved, IReadOnlyDictionary<int, string?> Holders, DatabaseText Text)
{
    /// <summary>The same batch in a page's row shape.</summary>
    public ListChanges<TRow> Map<TRow>(Func<TItem, TRow> toRow)
    {
        ArgumentNullException.ThrowIfNull(toRow);
        return new(Requery, Saved.ToDictionary(kv => kv.Key, kv => toRow(kv.Value)), Holders, Text);
    }
}

/// <summary>Batches of changes that need no read.</summary>
public static class ListChanges
{
    /// <summary>Everything must be re-queried.</summary>
    public static ListChanges<TItem> RequeryAll<TItem>() => new(true, new Dictionary<int, TItem>(), new Dictionary<int, string?>(), DatabaseText.Unknown);
}

/// <summary>The sort a store applies for a requested column: the row's key, the direction, and whether the app can reproduce the database's order of that key.</summary>
public sealed record ListSort<TRow>(Func<TRow, object?> Key, bool Descending, bool Reproducible = true);

/// <summary>How one kind of list row is sorted, searched and checked out: the store's rules, mirrored.</summary>
public abstract class ListColumns<TRow>
{
    public abstract int Id(TRow row);

    public abstract int Version(TRow row);

    public abstract string? Holder(TRow row);

    public abstract TRow WithHolder(TRow row, string? holder);

    /// <summary>The order the store uses for <paramref name="sortBy"/> (its default for a null or unknown column); ties go by id in the same direction.</summary>
    public abstract ListSort<TRow> Sort(string? sortBy, bool descending);

    /// <summary>The texts the store's search looks in (a row matches when any contains the search, case-insensitively).</summary>
    public abstract IEnumerable<string> SearchedText(TRow row);
}

/// <summary>
/// Patch or re-query: the decision an open list makes about a batch of changes, from what it shows
/// alone. It patches only when no row can have moved in or out and the total cannot have changed;
/// when in doubt it re-queries.
/// </summary>
/// <remarks>
/// The rules, for a batch with no insert, delete or resync (those always re-query):
/// <list type="bullet">
/// <item>A lease change moves nothing: a shown row gets its new holder, other rows are ignored.</item>
/// <item>A shown row saved with the same sort key (and, under a search, still matching when its searched text changed) is patched in place.
/// A changed sort key re-queries (its position may change, and a row from the next page may take its place).</item>
/// <item>A row saved that is not shown: on the first page, without a search, it can only come in if it now sorts before the last shown row
/// (or the page is not full); it could not have been before the page. Anywhere else it may have left a place before the page (shifting
/// every row) or, under a search, joined or left the matches (changing the total): re-query.</item>
/// <item>A row whose fresh version is older than the one shown keeps what is shown (the list's own query saw a later one).</item>
/// </list>
/// Text order and case folding are only reproduced under the database's C locale (<see cref="DatabaseText"/>); otherwise any comparison
/// of text that matters re-queries.
/// </remarks>
public static class ListDecider
{
    public static ListDecision<TRow> Decide<TRow>(ListView<TRow> view, ListChanges<TRow> changes, ListColumns<TRow> columns)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(columns);
        if (changes.Requery)
        {
            return Requery(view, "a row was inserted or deleted, or events may have been missed");
        }

        var sort = columns.Sort(view.SortBy, view.Descending);
        var search = SearchText(view.Search);
        var rows = view.Rows.ToArray();
        var index = new Dictionary<int, int>(rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            index[columns.Id(rows[i])] = i;
        }

        var patched = false;
        foreach (var (id, holder) in changes.Holders)
        {
            if (!changes.Saved.ContainsKey(id) && index.TryGetValue(id, out var i) && columns.Holder(rows[i]) != holder)
            {
                rows[i] = columns.WithHolder(rows[i], holder);
                patched = true;
            }
        }

        foreach (var (id, fresh) in changes.Saved)
        {
            if (index.TryGetValue(id, out var i))
            {
                var shown = rows[i];
                var holder = changes.Holders.TryGetValue(id, out var h) ? h : columns.Holder(shown);
                if (columns.Version(fresh) < columns.Version(shown))
                {
                    // The list's own query saw a later version than this read: keep it.
                    if (columns.Holder(shown) != holder)
                    {
                        rows[i] = columns.WithHolder(shown, holder);
                        patched = true;
                    }

                    continue;
                }

                if (!Equals(sort.Key(shown), sort.Key(fresh)))
                {
                    return Requery(view, $"row {id}'s sort key changed");
                }

                if (search is not null && !columns.SearchedText(shown).SequenceEqual(columns.SearchedText(fresh), StringComparer.Ordinal)
                    && Matches(columns.SearchedText(fresh), search, changes.Text) != true)
                {
                    return Requery(view, $"row {id} may no longer match the search");
                }

                rows[i] = columns.WithHolder(fresh, holder);
                patched = true;
                continue;
            }

            // Not shown: could it belong now?
            if (search is not null)
            {
                return Requery(view, $"row {id}, not shown, may have joined or left the search's matches");
            }

            if (!view.FirstPage)
            {
                return Requery(view, $"row {id}, not shown, may have moved from before this page");
            }

            if (rows.Length < view.PageSize)
            {
                return Requery(view, $"row {id} is not on a page that shows the end of the list");
            }

            var last = rows[^1];
            var order = Compare(sort, fresh, last, columns, changes.Text);
            if (order is not > 0)
            {
                return Requery(view, $"row {id} may now sort before the last row shown");
            }
        }

        return patched
            ? new ListDecision<TRow>(ListAction.Patch, rows, "rows shown were patched")
            : new ListDecision<TRow>(ListAction.Unchanged, view.Rows, "nothing shown changed");
    }

    /// <summary>The search the store applies (trimmed, without NUL), or null for none.</summary>
    public static string? SearchText(string? search)
    {
        var text = search?.Replace("\0", string.Empty, StringComparison.Ordinal);
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    /// <summary>Whether ILIKE '%search%' matches any of <paramref name="texts"/>; null when the database's case folding cannot be reproduced.</summary>
    public static bool? Matches(IEnumerable<string> texts, string search, DatabaseText text)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(text);
        if (!text.FoldsAsciiOnly)
        {
            return null;
        }

        var needle = FoldAscii(search);
        return texts.Any(t => FoldAscii(t).Contains(needle, StringComparison.Ordinal));
    }

    /// <summary>Where <paramref name="a"/> sorts against <paramref name="b"/> in the list's order (negative: before), or null when the app cannot tell.</summary>
    public static int? Compare<TRow>(ListSort<TRow> sort, TRow a, TRow b, ListColumns<TRow> columns, DatabaseText text)
    {
        ArgumentNullException.ThrowIfNull(sort);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(text);
        if (!sort.Reproducible)
        {
            return null;
        }

        var keyOrder = CompareKeys(sort.Key(a), sort.Key(b), text);
        if (keyOrder is not { } order)
        {
            return null;
        }

        if (order == 0)
        {
            order = columns.Id(a).CompareTo(columns.Id(b));
        }

        return sort.Descending ? -order : order;
    }

    private static int? CompareKeys(object? a, object? b, DatabaseText text) => (a, b) switch
    {
        (null, _) or (_, null) => null,
        (string x, string y) => text.OrdersByCodePoint && !HasSurrogates(x) && !HasSurrogates(y) ? Math.Sign(string.CompareOrdinal(x, y)) : null,
        (DateTimeOffset x, DateTimeOffset y) => x.UtcDateTime.CompareTo(y.UtcDateTime),
        (IComparable x, _) when a.GetType() == b.GetType() => Math.Sign(x.CompareTo(b)),
        _ => null,
    };

    // UTF-16 ordinal order is code point order (the C collation's order of UTF-8 bytes) only outside surrogate pairs.
    private static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    private static string FoldAscii(string s) => string.Create(s.Length, s, static (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            span[i] = c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
        }
    });

    private static ListDecision<TRow> Requery<TRow>(ListView<TRow> view, string reason) => new(ListAction.Requery, view.Rows, reason);
}

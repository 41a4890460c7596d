using System.Globalization;
using CollabEditor.Data.Lists;

namespace CollabEditor.WebApp.Lists;

/// <summary>
/// Where a list grid is: the cursor of the page it shows (first, after a row, before a row, last) and,
/// where it is known, the position of the page's first row, for the pager's "26-50 of about 1,000,000".
/// Moving costs the same at any depth (the stores seek by cursor); a new sort or search starts over.
/// </summary>
public sealed class KeysetPaging
{
    private (string? Sort, bool Descending, string? Search) _for;
    private ListCursor? _previous;
    private ListCursor? _next;
    private ListCursor? _last;
    private int? _offset = 0;
    private int? _pending = 0;
    private int _count;
    private int _total;
    private bool _estimate;

    /// <summary>The rows a page holds.</summary>
    public int PageSize { get; private set; } = 25;

    /// <summary>The page sizes a person can choose.</summary>
    public static IReadOnlyList<int> PageSizes { get; } = [10, 25, 50, 100];

    public bool CanGoBack => _previous is not null;

    /// <summary>Not on the first page (also when the rows before this page went meanwhile).</summary>
    public bool CanGoFirst => _previous is not null || Current is not null;

    public bool CanGoForward => _next is not null;

    /// <summary>The cursor to load for this sort and search: the current one, or none (the first page) when either changed.</summary>
    public ListCursor? CursorFor(string? sort, bool descending, string? search)
    {
        if (_for != (sort, descending, search))
        {
            _for = (sort, descending, search);
            // Nothing of the old sort or search may be moved to: its cursors go with it.
            (Current, _pending, _previous, _next, _last) = (null, 0, null, null, null);
        }

        return Current;
    }

    /// <summary>The cursor of the page shown (null: the first page).</summary>
    public ListCursor? Current { get; private set; }

    /// <summary>What a load returned: the page's row count, the total and the cursors around it.</summary>
    public void Loaded(int count, int total, bool isEstimate, ListCursor? previous, ListCursor? next, ListCursor? last)
    {
        // The position moves with the rows, not before them.
        (_count, _total, _estimate, _previous, _next, _last, _offset) = (count, total, isEstimate, previous, next, last, _pending);
        if (previous is null)
        {
            _offset = 0;
        }
        else if (next is null && !isEstimate)
        {
            _offset = Math.Max(0, total - count);
        }

        // A reload of the same page (a live change) keeps its position.
        _pending = _offset;
    }

    public void First() => (Current, _pending) = (null, 0);

    public void Forward()
    {
        if (_next is not null)
        {
            (Current, _pending) = (_next, _offset + _count);
        }
    }

    public void Back()
    {
        if (_previous is not null)
        {
            (Current, _pending) = (_previous, _offset is { } o ? Math.Max(0, o - PageSize) : null);
        }
    }

    public void Last()
    {
        if (_last is not null)
        {
            (Current, _pending) = (_last, null);
        }
    }

    /// <summary>A new page size starts over at the first page.</summary>
    public void Resize(int size)
    {
        PageSize = Math.Clamp(size, 1, 200);
        First();
    }

    /// <summary>"26-50 of 1,234", "26-50 of about 1,000,000", or "last 25 of about 1,000,000" when the position is not known.</summary>
    public string Info(CultureInfo culture)
    {
        var total = (_estimate ? "about " : string.Empty) + _total.ToString("N0", culture);
        if (_count == 0)
        {
            return $"0 of {total}";
        }

        if (_offset is { } offset)
        {
            return $"{(offset + 1).ToString("N0", culture)}-{(offset + _count).ToString("N0", culture)} of {total}";
        }

        return _next is null ? $"last {_count.ToString("N0", culture)} of {total}" : $"{_count.ToString("N0", culture)} rows of {total}";
    }
}

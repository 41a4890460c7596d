namespace CollabEditor.WebApp.Lists;

/// <summary>
/// The rows one open list shows, kept between its queries so that a batch of changes can be patched
/// in without one (<see cref="ListDecider"/>). Not thread-safe: a page calls it on its own
/// dispatcher only (from the grid's load and from <c>InvokeAsync</c>).
/// </summary>
/// <remarks>
/// A batch that arrives while the list's query runs may or may not be in what the query returns,
/// so it is kept and applied to the query's rows when they come (a fresh row older than what the
/// query saw is not applied). A batch that arrives after a re-query was asked for and before it
/// started is covered by that query and dropped.
/// </remarks>
public sealed class LiveRows<TRow>(ListColumns<TRow> columns)
{
    private readonly List<ListChanges<TRow>> _duringLoad = [];
    private ListView<TRow>? _view;
    private object? _query;
    private int _total;
    private bool _totalIsEstimate;
    private int _loads;
    private bool _requeryAsked;
    // Changes arrived for a query that then failed: what is shown may lack them.
    private bool _stale;
    private bool _patchReady;

    /// <summary>What the list shows now (null before its first query).</summary>
    public ListView<TRow>? View => _view;

    /// <summary>A query starts: changes from now on are kept for its rows.</summary>
    public void Loading()
    {
        _loads++;
        _requeryAsked = false;
        _stale = false;
        _patchReady = false;
        _duringLoad.Clear();
    }

    /// <summary>The query failed or was cancelled: changes kept for it are dropped with it (the next query covers them).</summary>
    public void LoadFailed()
    {
        _loads = Math.Max(0, _loads - 1);
        if (_loads == 0)
        {
            // What arrived for the failed query is not in what is shown: the next change re-queries.
            _stale |= _duringLoad.Count > 0;
            _duringLoad.Clear();
        }
    }

    /// <summary>
    /// The query's rows: returns them with the changes that arrived meanwhile applied, or a
    /// <see cref="ListAction.Requery"/> when one of those changes could move rows (show the rows,
    /// then query again).
    /// </summary>
    /// <param name="view">What the query returned.</param>
    /// <param name="query">The query itself (a record: compared by value when the grid asks again).</param>
    /// <param name="total">The list's total.</param>
    /// <param name="totalIsEstimate">Whether the total is the planner's estimate.</param>
    public ListDecision<TRow> Loaded(ListView<TRow> view, object query, int total, bool totalIsEstimate)
    {
        ArgumentNullException.ThrowIfNull(view);
        _loads = Math.Max(0, _loads - 1);
        _view = view;
        _query = query;
        (_total, _totalIsEstimate) = (total, totalIsEstimate);
        var result = new ListDecision<TRow>(ListAction.Unchanged, view.Rows, "as queried");
        foreach (var changes in _duringLoad)
        {
            var decision = ListDecider.Decide(_view, changes, columns);
            if (decision.Action == ListAction.Requery)
            {
                _requeryAsked = true;
                result = decision with { Rows = _view.Rows };
                break;
            }

            _view = _view with { Rows = decision.Rows };
            result = decision;
        }

        if (_loads == 0)
        {
            _duringLoad.Clear();
        }

        return result;
    }

    /// <summary>
    /// A batch of changes: <see cref="ListAction.Patch"/> means call the grid's reload, which
    /// <see cref="TryTakePatch"/> then serves without a query; <see cref="ListAction.Requery"/>
    /// means reload for real.
    /// </summary>
    public ListDecision<TRow> Apply(ListChanges<TRow> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (_loads > 0)
        {
            _duringLoad.Add(changes);
            return new(ListAction.Unchanged, _view?.Rows ?? [], "kept for the query under way");
        }

        if (_requeryAsked || _view is null)
        {
            return new(ListAction.Unchanged, _view?.Rows ?? [], "a query is coming");
        }

        if (_stale)
        {
            (_stale, _requeryAsked, _patchReady) = (false, true, false);
            return new(ListAction.Requery, _view.Rows, "changes arrived during a query that failed");
        }

        var decision = ListDecider.Decide(_view, changes, columns);
        switch (decision.Action)
        {
            case ListAction.Patch:
                _view = _view with { Rows = decision.Rows };
                _patchReady = true;
                break;
            case ListAction.Requery:
                _requeryAsked = true;
                _patchReady = false;
                break;
        }

        return decision;
    }

    /// <summary>
    /// The patched rows and total, when a patch is waiting and the grid asks for the same
    /// <paramref name="query"/> it showed; otherwise false and the grid queries.
    /// </summary>
    public bool TryTakePatch(object query, out IReadOnlyList<TRow> rows, out int total, out bool totalIsEstimate)
    {
        var ready = _patchReady && _view is not null && Equals(_query, query);
        _patchReady = false;
        rows = ready ? _view!.Rows : [];
        (total, totalIsEstimate) = ready ? (_total, _totalIsEstimate) : (0, false);
        return ready;
    }

    /// <summary>
    /// The grid's load: the patched rows when a patch waits for this very <paramref name="query"/>,
    /// else <paramref name="load"/> (the list's own query) with the changes that arrived meanwhile
    /// applied. <see cref="ListLoad{TRow}.RequeryAfter"/>: one of those changes could move rows, so
    /// show these and reload once more.
    /// </summary>
    public async Task<ListLoad<TRow>> LoadAsync(object query, Func<Task<ListLoad<TRow>>> load, Func<IReadOnlyList<TRow>, ListView<TRow>> view)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(view);
        if (TryTakePatch(query, out var patched, out var total, out var estimate))
        {
            return new(patched, total, estimate);
        }

        Loading();
        ListLoad<TRow> loaded;
        try
        {
            loaded = await load();
        }
        catch
        {
            LoadFailed();
            throw;
        }

        var decision = Loaded(view(loaded.Rows), query, loaded.Total, loaded.TotalIsEstimate);
        return loaded with { Rows = decision.Rows, RequeryAfter = decision.Action == ListAction.Requery };
    }
}

/// <summary>What a list's load returns: its rows and total, and whether to query once more right after.</summary>
public sealed record ListLoad<TRow>(IReadOnlyList<TRow> Rows, int Total, bool TotalIsEstimate, bool RequeryAfter = false);

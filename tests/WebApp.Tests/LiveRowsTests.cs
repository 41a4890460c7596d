using CollabEditor.Data.Lists;
using CollabEditor.WebApp.Lists;
using CollabEditor.WebApp.Products;
using Row = CollabEditor.WebApp.Products.ProductList.ProductRow;

namespace CollabEditor.WebApp.Tests;

/// <summary>A list's rows between queries (<see cref="LiveRows{TRow}"/>): changes that arrive while its query runs are not lost.</summary>
public sealed class LiveRowsTests
{
    private static readonly DatabaseText C = new(true, true);

    private static Row P(int id, string sku, int version = 1, decimal price = 1m) => new(id, sku, "Thing", price, 1, version, "Bob", DateTimeOffset.UnixEpoch, null);

    private static ListChanges<Row> Saved(Row r) => new(false, new Dictionary<int, Row> { [r.Id] = r }, new Dictionary<int, string?>(), C);

    private static async Task<ListLoad<Row>> LoadAsync(LiveRows<Row> live, string query, Task<ListLoad<Row>> result) =>
        await live.LoadAsync(query, () => result, rows => new ListView<Row>(rows, null, false, null, true, 2));

    [Fact]
    public async Task ASaveArrivingWhileTheQueryRuns_IsAppliedToWhatTheQueryReturns()
    {
        var live = new LiveRows<Row>(ProductListColumns.Instance);
        var query = new TaskCompletionSource<ListLoad<Row>>();
        var loading = LoadAsync(live, "q", query.Task);

        Assert.Equal(ListAction.Unchanged, live.Apply(Saved(P(2, "B", version: 2, price: 9m))).Action);
        query.SetResult(new([P(1, "A"), P(2, "B")], 2, false));
        var shown = await loading;

        Assert.Equal(9m, shown.Rows[1].Price);
        Assert.False(shown.RequeryAfter);
    }

    [Fact]
    public async Task AnInsertArrivingWhileTheQueryRuns_AsksForOneMoreQuery()
    {
        var live = new LiveRows<Row>(ProductListColumns.Instance);
        var query = new TaskCompletionSource<ListLoad<Row>>();
        var loading = LoadAsync(live, "q", query.Task);

        live.Apply(ListChanges.RequeryAll<Row>());
        query.SetResult(new([P(1, "A"), P(2, "B")], 2, false));

        Assert.True((await loading).RequeryAfter);
    }

    [Fact]
    public async Task APatch_IsServedWithoutAQuery_OnlyForTheSameQuery()
    {
        var live = new LiveRows<Row>(ProductListColumns.Instance);
        await LoadAsync(live, "q", Task.FromResult(new ListLoad<Row>([P(1, "A"), P(2, "B")], 2, false)));

        Assert.Equal(ListAction.Patch, live.Apply(Saved(P(1, "A", version: 2, price: 5m))).Action);
        var queried = false;
        var served = await live.LoadAsync("q", () => { queried = true; return Task.FromResult(new ListLoad<Row>([], 0, false)); }, rows => new(rows, null, false, null, true, 2));

        Assert.False(queried);
        Assert.Equal(5m, served.Rows[0].Price);
        Assert.Equal(2, served.Total);
        Assert.Equal(ListAction.Patch, live.Apply(Saved(P(1, "A", version: 3, price: 6m))).Action);
        await live.LoadAsync("another page", () => { queried = true; return Task.FromResult(new ListLoad<Row>([], 0, false)); }, rows => new(rows, null, false, null, false, 2));
        Assert.True(queried);
    }
}

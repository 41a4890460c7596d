using System.Collections.Concurrent;
using Bunit;
using CollabEditor.Core.History;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.History;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Products;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// A burst of submits of one form (double clicks, Enter held down, a replayed event) saves once. The 50
/// submits are dispatched in one turn of the renderer's dispatcher while another session holds a lock the
/// first save must wait for, so every one of them is handled while that save is in flight: the case the
/// page's busy flag is for. Without the lock a local save sometimes completes inside the first event, so
/// the rest of the burst arrives after it; that case is tested on its own (the busy flag is already cleared
/// then, and it is the store that keeps a repeated save of unchanged values from making a new version).
/// </summary>
public sealed class DoubleSubmitTests : MudTestContext
{
    private const int Submits = 50;
    private static readonly Actor Bob = new("bob-id", "Bob");
    private ProductSnapshot _product = default!;

    private ProductStore Store => Services.GetRequiredService<ProductStore>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var created = await Store.CreateAsync(new ProductValues("DBL-SUB-001", "Oak desk", "A desk.", 100m, 10, false), Bob);
        _product = Assert.IsType<SaveResult.Saved>(created).Current;
    }

    private IRenderedComponent<IComponent> RenderPage(int? id)
    {
        RenderFragment page = b =>
        {
            b.OpenComponent<ProductEdit>(2);
            if (id is not null)
            {
                b.AddAttribute(3, nameof(ProductEdit.Id), id);
            }

            b.CloseComponent();
        };
        var cut = Render(page);
        cut.WaitForElement("[data-testid=save]");
        return cut;
    }

    /// <summary>
    /// Fires <paramref name="count"/> submit events on the form in one turn of the renderer's dispatcher,
    /// without awaiting any, and returns them (each completes when its handler has finished).
    /// </summary>
    private static async Task<List<Task>> SubmitBurstAsync<T>(IRenderedComponent<T> cut, int count = Submits)
        where T : IComponent
    {
        var form = cut.Find("form");
        var submits = new List<Task>();
        await cut.InvokeAsync(() =>
        {
            for (var i = 0; i < count; i++)
            {
                submits.Add(form.SubmitAsync());
            }
        });
        return submits;
    }

    /// <summary>
    /// Runs <paramref name="burst"/> while another session holds a lock the first save must wait for, so
    /// the whole burst is handled while that save is in flight, whatever the timing; returns how many
    /// statements were seen waiting on the lock (one per save that reached the database).
    /// </summary>
    private async Task<(List<Task> Submits, long Waiting)> WhileHeldAsync(string lockSql, object parameter, Func<Task<List<Task>>> burst, long waitFor = 1)
    {
        await using var blocker = new NpgsqlConnection(ConnectionString);
        await blocker.OpenAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand(lockSql, blocker, tx) { Parameters = { new() { Value = parameter } } })
        {
            await hold.ExecuteNonQueryAsync();
        }

        var submits = await burst();
        long waiting;
        await using (var probe = new NpgsqlConnection(ConnectionString))
        {
            await probe.OpenAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            do
            {
                await using var count = new NpgsqlCommand(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1", probe)
                { Parameters = { new() { Value = blocker.ProcessID } } };
                waiting = (long)(await count.ExecuteScalarAsync(timeout.Token))!;
                if (waiting < waitFor)
                {
                    await Task.Delay(20, timeout.Token);
                }
            }
            while (waiting < waitFor);
        }

        await tx.RollbackAsync();
        // A submit that reached the store a second time would sit in an open conflict dialog and never finish.
        await Task.WhenAll(submits).WaitAsync(TimeSpan.FromSeconds(10));
        return (submits, waiting);
    }

    private async Task<List<int>> VersionsInHistoryAsync(int id) =>
        [.. (await Services.GetRequiredService<HistoryStore>().ProductHistoryAsync(id)).OfType<VersionEntry>().Select(v => v.Version).Order()];

    [Fact]
    public async Task FiftySubmits_OfAnEdit_WhileTheSaveIsInFlight_SaveOneVersion_AndOpenNoConflictDialog()
    {
        var cut = RenderPage(_product.Id);
        cut.Input("field-Stock").Input("42");

        // The product row is locked: the first save's UPDATE waits, so all 50 events arrive while it is in flight.
        var (_, waiting) = await WhileHeldAsync("SELECT 1 FROM products WHERE id = $1 FOR UPDATE", _product.Id, () => SubmitBurstAsync(cut));

        Assert.Equal(1, waiting);
        cut.WaitForAssertion(() => Assert.Contains("Version 2 · last changed by Alice", cut.Find("[data-testid=version-line]").TextContent, StringComparison.Ordinal));
        var saved = (await Store.GetAsync(_product.Id))!;
        Assert.Equal(2, saved.Version);
        Assert.Equal(42, saved.Values.Stock);
        Assert.Equal([1, 2], await VersionsInHistoryAsync(_product.Id));
        Assert.Empty(cut.FindAll("[data-testid=conflict-dialog]"));
    }

    [Fact]
    public async Task FiftySubmits_OfANewProduct_WhileTheCreateIsInFlight_CreateOneProduct_AndNoDuplicateSkuError()
    {
        var cut = RenderPage(null);
        cut.Input("field-Sku").Input("DBL-NEW-001");
        cut.Input("field-Name").Input("Walnut shelf");
        cut.Input("field-Price").Input("25");
        cut.Input("field-Stock").Input("3");

        // An uncommitted row with the same SKU: the first create's INSERT waits on the unique index until it is rolled back.
        var (_, waiting) = await WhileHeldAsync(
            "INSERT INTO products (sku, name, description, price, stock, requires_checkout, version, last_changed_by_id, last_changed_by, last_changed_at) VALUES ($1, 'hold', '', 0, 0, false, 1, 'x', 'x', now())",
            "DBL-NEW-001",
            () => SubmitBurstAsync(cut));

        Assert.Equal(1, waiting);
        var product = Assert.Single((await Store.ListAsync(new ProductQuery(Search: "DBL-NEW-001"))).Items);
        Assert.Equal(1, product.Version);
        Assert.Equal([1], await VersionsInHistoryAsync(product.Id));
        Assert.DoesNotContain("must be unique", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submits_HandledAfterTheFirstSaveReturned_SaveNothingMore()
    {
        var cut = RenderPage(_product.Id);
        cut.Input("field-Stock").Input("42");

        // The first save completes before the rest of the burst is handled: this happens on its own when the
        // database's reply is already buffered (the save then completes synchronously inside the first event).
        await (await SubmitBurstAsync(cut, 1))[0];
        await Task.WhenAll(await SubmitBurstAsync(cut, Submits - 1)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1, 2], await VersionsInHistoryAsync(_product.Id));
    }

    [Fact]
    public async Task NegativeControl_AFormWithoutTheBusyFlag_SendsEverySubmitToTheDatabase()
    {
        // The same held burst against a form with no guard: every submit reaches the database. The version
        // check keeps the record at one new version, so "version 2" alone cannot tell the guard is there;
        // the waiting statements and the 49 refused saves (conflict dialogs on the page) can.
        var cut = Render<UnguardedSave>(p => p
            .Add(x => x.ProductId, _product.Id)
            .Add(x => x.Values, _product.Values with { Stock = 42 }));

        var (_, waiting) = await WhileHeldAsync("SELECT 1 FROM products WHERE id = $1 FOR UPDATE", _product.Id, () => SubmitBurstAsync(cut), waitFor: 2);

        Assert.True(waiting >= 2, $"{waiting} saves waiting");
        var results = cut.Instance.Results.ToList();
        Assert.Equal(Submits, results.Count);
        Assert.Single(results, r => r is SaveResult.Saved);
        Assert.Equal(Submits - 1, results.Count(r => r is SaveResult.Conflict));
        Assert.Equal([1, 2], await VersionsInHistoryAsync(_product.Id));
    }

    /// <summary>A save form without a busy flag: the naive version of ProductEdit's submit.</summary>
    private sealed class UnguardedSave : ComponentBase
    {
        private static readonly Actor Alice = new("alice-id", "Alice");

        [Inject]
        private ProductStore Store { get; set; } = default!;

        [Parameter]
        public int ProductId { get; set; }

        [Parameter]
        public ProductValues Values { get; set; } = default!;

        public ConcurrentQueue<SaveResult> Results { get; } = new();

        protected override void BuildRenderTree(RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "form");
            builder.AddAttribute(1, "onsubmit", EventCallback.Factory.Create(this, SubmitAsync));
            builder.CloseElement();
        }

        // Always the version it loaded, like a page that has not re-rendered yet.
        private async Task SubmitAsync() => Results.Enqueue(await Store.UpdateAsync(ProductId, 1, Values, Alice));
    }
}

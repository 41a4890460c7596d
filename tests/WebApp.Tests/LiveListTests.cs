using Bunit;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Products;
using CollabEditor.Core.Users;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Products;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// An open products list on a real database, fed events the way the listener publishes them after a
/// commit, with every statement counted: a changed row is patched without a list query; an insert,
/// a delete or a sort-key change re-queries.
/// </summary>
public sealed class LiveListTests : MudTestContext
{
    private static readonly Actor Bob = new("bob-id", "Bob");
    private readonly List<ProductSnapshot> _products = [];
    private StatementCounter _statements = default!;

    private ProductStore Store => Services.GetRequiredService<ProductStore>();

    private ChangeFeed Feed => Services.GetRequiredService<ChangeFeed>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // 30 products: the first page (25) is full, so rows exist that are not shown.
        for (var i = 0; i < 30; i++)
        {
            _products.Add(Assert.IsType<SaveResult.Saved>(await Store.CreateAsync(new ProductValues($"LIVE-{i:000}", $"Thing {i}", "", 10m + i, 5, false), Bob)).Current);
        }

        _statements = new StatementCounter(ConnectionString);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _statements?.Dispose();
        }

        base.Dispose(disposing);
    }

    private IRenderedComponent<IComponent> RenderList()
    {
        RenderFragment page = b =>
        {
            b.OpenComponent<ProductList>(0);
            b.CloseComponent();
        };
        var cut = Render(page);
        cut.WaitForAssertion(() => Assert.Contains("LIVE-024", cut.Markup, StringComparison.Ordinal));
        // The first render subscribes after the first load: wait until the list follows the feed.
        cut.WaitForAssertion(() => Assert.True(Feed.SubscriberCount >= 1));
        return cut;
    }

    private async Task<ProductSnapshot> SaveAsync(int index, Func<ProductValues, ProductValues> change)
    {
        var p = _products[index];
        var saved = Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(p.Id, p.Version, change(p.Values), Bob)).Current;
        _products[index] = saved;
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForProduct(p.Id), saved.Version, "Bob"));
        return saved;
    }

    [Fact]
    public async Task ShownRowSaved_IsPatchedOnTheOpenList_WithoutAListQuery()
    {
        var cut = RenderList();
        _statements.Reset();

        await SaveAsync(3, v => v with { Price = 123.45m, Name = "Renamed live" });

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("123.45", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("Renamed live", cut.Markup, StringComparison.Ordinal);
        });
        Assert.Equal(0, _statements.ListQueries);
        Assert.Equal(1, _statements.SharedReads);
    }

    [Fact]
    public async Task RowNotShownSaved_ThatStillSortsAfterThePage_CostsNoListQuery()
    {
        var cut = RenderList();
        _statements.Reset();

        await SaveAsync(28, v => v with { Stock = 77 });
        // Then a shown row, so there is something to wait for: both batches are handled by then.
        await SaveAsync(0, v => v with { Stock = 66 });

        cut.WaitForAssertion(() => Assert.Contains(">66<", cut.Markup, StringComparison.Ordinal));
        Assert.Equal(0, _statements.ListQueries);
        Assert.DoesNotContain("LIVE-028", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Insert_Requeries_AndTheNewRowAndTotalAppear()
    {
        var cut = RenderList();
        _statements.Reset();

        var created = Assert.IsType<SaveResult.Saved>(await Store.CreateAsync(new ProductValues("LIVE-000A", "Squeezed in", "", 1m, 1, false), Bob)).Current;
        Feed.Publish(new ChangeEvent(ChangeKind.Created, ResourceKey.ForProduct(created.Id), 1, "Bob"));

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Squeezed in", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("of 31", cut.Markup, StringComparison.Ordinal);
        });
        Assert.True(_statements.ListQueries >= 2, $"{_statements.ListQueries} list queries");
    }

    [Fact]
    public async Task Delete_Requeries_AndTheNextRowMovesUp()
    {
        var cut = RenderList();
        _statements.Reset();

        var p = _products[2];
        Assert.IsType<DeleteResult.Removed>(await Store.DeleteAsync(p.Id, p.Version, Bob));
        Feed.Publish(new ChangeEvent(ChangeKind.Deleted, ResourceKey.ForProduct(p.Id), p.Version, "Bob"));

        cut.WaitForAssertion(() =>
        {
            Assert.DoesNotContain("LIVE-002", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("LIVE-025", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("of 29", cut.Markup, StringComparison.Ordinal);
        });
        Assert.True(_statements.ListQueries >= 2, $"{_statements.ListQueries} list queries");
    }

    [Fact]
    public async Task SortKeyChange_Requeries_AndTheRowsMove()
    {
        var cut = RenderList();
        _statements.Reset();

        // LIVE-001 becomes ZZZ: it leaves the first page (sorted by SKU) and LIVE-025 comes in.
        await SaveAsync(1, v => v with { Sku = "ZZZ-001" });
        // And a row from beyond the page moves in.
        await SaveAsync(29, v => v with { Sku = "LIVE-000B" });

        cut.WaitForAssertion(() =>
        {
            Assert.DoesNotContain("ZZZ-001", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("LIVE-000B", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("LIVE-024", cut.Markup, StringComparison.Ordinal);
        });
        Assert.True(_statements.ListQueries >= 2, $"{_statements.ListQueries} list queries");
    }

    [Fact]
    public async Task CheckOut_ShowsTheHolderOnTheRow_WithoutAListQuery()
    {
        var cut = RenderList();
        _statements.Reset();
        var leases = Services.GetRequiredService<LeaseStore>();

        var lease = Assert.IsType<AcquireResult.Granted>(await leases.AcquireAsync(ResourceKey.ForProduct(_products[4].Id), Bob, "bob-tab")).Lease;
        Feed.Publish(new ChangeEvent(ChangeKind.LeaseGranted, lease.Key, lease.Fencing, "Bob"));

        cut.WaitForAssertion(() => Assert.Equal("Bob", cut.Find("[data-testid=lock-badge]").TextContent.Trim()));
        Assert.Equal(0, _statements.ListQueries);

        await leases.ReleaseAsync(lease.Key, lease.Token, Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.LeaseReleased, lease.Key, lease.Fencing, "Bob"));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=lock-badge]")));
        Assert.Equal(0, _statements.ListQueries);
    }
}

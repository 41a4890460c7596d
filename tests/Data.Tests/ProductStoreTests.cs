using CollabEditor.Data.Products;
using Microsoft.EntityFrameworkCore;

namespace CollabEditor.Data.Tests;

public sealed class ProductStoreTests : DataTest
{
    [Fact]
    public async Task Create_StartsAtVersionOne_WithWhoAndWhen()
    {
        var p = await CreateAsync(NewProduct() with { Sku = " oak-des-001 " });
        Assert.Equal(1, p.Version);
        Assert.Equal("OAK-DES-001", p.Values.Sku);
        Assert.Equal("Alice", p.LastChangedBy);
        Assert.NotEqual(default, p.LastChangedAt);
    }

    [Fact]
    public async Task Update_WithCurrentVersion_SavesAndBumpsVersionOnce()
    {
        var p = await CreateAsync();
        var saved = Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(p.Id, 1, p.Values with { Price = 120.5m }, Bob)).Current;
        Assert.Equal(2, saved.Version);
        Assert.Equal(120.5m, saved.Values.Price);
        Assert.Equal("Bob", saved.LastChangedBy);
        Assert.Equal(saved, await Store.GetAsync(p.Id));
    }

    [Fact]
    public async Task Update_WhenVersionIsStale_IsRefusedAndChangesNothing()
    {
        var p = await CreateAsync();
        var bobs = Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 5 }, Bob)).Current;

        var result = await Store.UpdateAsync(p.Id, 1, p.Values with { Name = "Alice's name", Stock = 99 }, Alice);

        var conflict = Assert.IsType<SaveResult.Conflict>(result);
        Assert.Equal(bobs, conflict.Theirs);
        Assert.Equal(bobs, await Store.GetAsync(p.Id));
    }

    [Fact]
    public async Task Update_WhenRowWasDeleted_ReportsDeleted()
    {
        var p = await CreateAsync();
        Assert.IsType<DeleteResult.Removed>(await Store.DeleteAsync(p.Id, 1, Alice));
        Assert.IsType<SaveResult.Deleted>(await Store.UpdateAsync(p.Id, 1, p.Values, Alice));
        Assert.Null(await Store.GetAsync(p.Id));
    }

    [Fact]
    public async Task Update_WithInvalidValues_NamesTheFieldsAndChangesNothing()
    {
        var p = await CreateAsync();
        var invalid = Assert.IsType<SaveResult.Invalid>(await Store.UpdateAsync(p.Id, 1, p.Values with { Price = -1m, Stock = -2 }, Alice));
        Assert.Equal(["Price", "Stock"], invalid.Errors.Select(e => e.Field));
        Assert.Equal(p, await Store.GetAsync(p.Id));
    }

    [Fact]
    public async Task CreateAndUpdate_WithDuplicateSku_IsRefusedOnTheSkuField()
    {
        var a = await CreateAsync(NewProduct("A-1"));
        await CreateAsync(NewProduct("B-1"));

        var dup = Assert.IsType<SaveResult.Invalid>(await Store.CreateAsync(NewProduct("b-1"), Alice));
        Assert.Equal("Sku", Assert.Single(dup.Errors).Field);
        Assert.Contains("unique", dup.Errors[0].Message, StringComparison.Ordinal);

        Assert.IsType<SaveResult.Invalid>(await Store.UpdateAsync(a.Id, 1, a.Values with { Sku = "B-1" }, Alice));
        Assert.Equal(a, await Store.GetAsync(a.Id));
    }

    [Fact]
    public async Task Delete_IsVersionChecked()
    {
        var p = await CreateAsync();
        await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 1 }, Bob);

        var stale = Assert.IsType<DeleteResult.Conflict>(await Store.DeleteAsync(p.Id, 1, Alice));
        Assert.Equal(2, stale.Theirs.Version);
        Assert.NotNull(await Store.GetAsync(p.Id));

        Assert.IsType<DeleteResult.Removed>(await Store.DeleteAsync(p.Id, 2, Alice));
        Assert.IsType<DeleteResult.NotFound>(await Store.DeleteAsync(p.Id, 2, Alice));
    }

    [Fact]
    public async Task List_SearchesSortsAndPages()
    {
        for (var i = 1; i <= 30; i++)
        {
            await CreateAsync(new($"SKU-{i:00}", i % 2 == 0 ? $"Even {i}" : $"Odd {i}", "", i, 100 - i, false));
        }

        var even = await Store.ListAsync(new ProductQuery(Search: "even", SortBy: "Price", Descending: true, Page: 0, PageSize: 5));
        Assert.Equal(15, even.TotalCount);
        Assert.Equal([30m, 28m, 26m, 24m, 22m], even.Items.Select(p => p.Values.Price));

        var page2 = await Store.ListAsync(new ProductQuery(SortBy: "Sku", Page: 1, PageSize: 10));
        Assert.Equal(30, page2.TotalCount);
        Assert.Equal("SKU-11", page2.Items[0].Values.Sku);

        var literal = await Store.ListAsync(new ProductQuery(Search: "%"));
        Assert.Equal(0, literal.TotalCount);
    }

    [Fact]
    public async Task Database_RefusesNegativeValuesEvenOutsideTheApp()
    {
        var p = await CreateAsync();
        await using var db = await DbAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlAsync($"UPDATE products SET stock = -1 WHERE id = {p.Id}"));
    }

    [Fact]
    public async Task TheZeroLeaseToken_NamesNoLiveLease_AndWritesNothing()
    {
        var p = await CreateAsync();

        // Like any token that names no live lease: refused, not taken as "no token" (an unleased write).
        Assert.IsType<SaveResult.LeaseLost>(await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 99 }, Alice, Guid.Empty));
        Assert.IsType<SaveResult.LeaseLost>(await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 99 }, Alice, Guid.NewGuid()));
        Assert.IsNotType<DeleteResult.Removed>(await Store.DeleteAsync(p.Id, 1, Alice, Guid.Empty));
        Assert.Equal(p, await Store.GetAsync(p.Id));
    }
}

using CollabEditor.Core.Leases;
using CollabEditor.Core.Orders;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.Data.Tests;

public sealed class OrderStoreTests : DataTest
{
    private OrderStore Orders => Services.GetRequiredService<OrderStore>();

    private async Task<OrderSnapshot> CreateOrderAsync(string customer = "Acme")
    {
        var result = await Orders.CreateAsync(new OrderHeader(customer, OrderStatus.Draft, ""), Alice);
        return Assert.IsType<OrderSaveResult.Saved>(result).Current;
    }

    /// <summary>A created order with two lines saved (version 2).</summary>
    private async Task<OrderSnapshot> CreateWithLinesAsync()
    {
        var o = await CreateOrderAsync();
        var values = o.Values.AddLine(1, "OAK-DES-001", "Oak desk", 2, 100m).AddLine(2, "OAK-CHA-001", "Oak chair", 4, 25.50m);
        return Saved(await Orders.SaveAsync(o.Id, 1, values, Alice));
    }

    private static OrderSnapshot Saved(OrderSaveResult result) => Assert.IsType<OrderSaveResult.Saved>(result).Current;

    /// <summary>Snapshots hold their lines in a list, which records compare by reference: compare by value.</summary>
    private static void AssertSame(OrderSnapshot expected, OrderSnapshot? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal((expected.Id, expected.Number, expected.Version, expected.LastChangedBy, expected.LastChangedAt), (actual.Id, actual.Number, actual.Version, actual.LastChangedBy, actual.LastChangedAt));
        Assert.Equal(expected.Values.Header, actual.Values.Header);
        Assert.Equal(expected.Values.Lines, actual.Values.Lines);
        Assert.True(expected.Values.SameAs(actual.Values));
    }

    [Fact]
    public async Task Create_StartsADraftAtVersionOne_WithANumberFromTheSequence()
    {
        var o = await CreateOrderAsync("  Acme  ");
        var second = await CreateOrderAsync("Globex");

        Assert.Matches("^SO-1[0-9]{4}$", o.Number);
        Assert.Matches("^SO-1[0-9]{4}$", second.Number);
        Assert.NotEqual(o.Number, second.Number);
        Assert.Equal(1, o.Version);
        Assert.Equal(OrderStatus.Draft, o.Values.Header.Status);
        Assert.Equal("Acme", o.Values.Header.CustomerName);
        Assert.Empty(o.Values.Lines);
        Assert.Equal("Alice", o.LastChangedBy);
        Assert.NotEqual(default, o.LastChangedAt);
        AssertSame(o, await Orders.GetAsync(o.Id));
    }

    [Fact]
    public async Task Create_AlwaysStartsAsDraft()
    {
        var result = await Orders.CreateAsync(new OrderHeader("Acme", OrderStatus.Fulfilled, ""), Alice);
        Assert.Equal(OrderStatus.Draft, Saved(result).Values.Header.Status);
    }

    [Fact]
    public async Task Create_WithoutACustomer_IsRefusedOnTheCustomerField()
    {
        var invalid = Assert.IsType<OrderSaveResult.Invalid>(await Orders.CreateAsync(new OrderHeader("  ", OrderStatus.Draft, ""), Alice));
        Assert.Equal("CustomerName", Assert.Single(invalid.Errors).Field);
        Assert.Equal(0, (await Orders.ListAsync(new OrderQuery())).TotalCount);
    }

    [Fact]
    public async Task Save_HeaderAndLinesTogether_BumpsTheVersionExactlyOnce()
    {
        var o = await CreateOrderAsync();
        var wanted = o.Values
            .WithHeader(new OrderHeader("Acme Ltd", OrderStatus.Submitted, "Call first."))
            .AddLine(1, "OAK-DES-001", "Oak desk", 2, 100m)
            .AddLine(2, "OAK-CHA-001", "Oak chair", 4, 25.50m)
            .AddLine(3, "BRS-LAM-001", "Brass lamp", 1, 40m);

        var saved = Saved(await Orders.SaveAsync(o.Id, 1, wanted, Bob));

        Assert.Equal(2, saved.Version);
        Assert.Equal("Bob", saved.LastChangedBy);
        Assert.True(saved.Values.SameAs(wanted));
        AssertSame(saved, await Orders.GetAsync(o.Id));
        await using var db = await DbAsync();
        Assert.Equal(2, await db.Orders.Where(x => x.Id == o.Id).Select(x => x.Version).SingleAsync());
    }

    [Fact]
    public async Task Save_WhenNothingChanged_KeepsTheVersion()
    {
        var o = await CreateWithLinesAsync();
        AssertSame(o, Saved(await Orders.SaveAsync(o.Id, o.Version, o.Values, Bob)));
        AssertSame(o, await Orders.GetAsync(o.Id));
    }

    [Fact]
    public async Task Save_WhenVersionIsStale_IsRefusedAndChangesNothing()
    {
        var o = await CreateWithLinesAsync();
        var bobs = Saved(await Orders.SaveAsync(o.Id, o.Version, o.Values.WithLine(o.Values.Lines[0] with { Quantity = 7 }), Bob));

        var result = await Orders.SaveAsync(o.Id, o.Version, o.Values.RemoveLine(o.Values.Lines[1].LineId).WithHeader(o.Values.Header with { Notes = "Alice's" }), Alice);

        var conflict = Assert.IsType<OrderSaveResult.Conflict>(result);
        AssertSame(bobs, conflict.Theirs);
        AssertSame(bobs, await Orders.GetAsync(o.Id));
    }

    [Fact]
    public async Task Save_AnInvalidTransition_IsRefusedWithAClearMessageAndChangesNothing()
    {
        var o = await CreateWithLinesAsync();
        var before = await Orders.GetAsync(o.Id);

        var result = await Orders.SaveAsync(o.Id, o.Version, o.Values.WithHeader(o.Values.Header with { Status = OrderStatus.Fulfilled, Notes = "skip ahead" }), Bob);

        var error = Assert.Single(Assert.IsType<OrderSaveResult.Invalid>(result).Errors);
        Assert.Equal("Status", error.Field);
        Assert.Equal("Status cannot change from Draft to Fulfilled; allowed: Submitted, Cancelled.", error.Message);
        AssertSame(before!, await Orders.GetAsync(o.Id));
    }

    [Fact]
    public async Task Save_ABadQuantity_IsRefusedNamingTheLineAndChangesNothing()
    {
        var o = await CreateWithLinesAsync();
        var before = await Orders.GetAsync(o.Id);

        var result = await Orders.SaveAsync(o.Id, o.Version, o.Values.WithLine(o.Values.Lines[1] with { Quantity = 0 }).AddLine(3, "BRS-LAM-001", "Brass lamp", 1, 40m), Bob);

        var error = Assert.Single(Assert.IsType<OrderSaveResult.Invalid>(result).Errors);
        Assert.Equal("Lines[1].Quantity", error.Field);
        Assert.Equal("Line 2: quantity must be more than 0.", error.Message);
        AssertSame(before!, await Orders.GetAsync(o.Id));
    }

    [Fact]
    public async Task Save_OnAFulfilledOrder_IsRefusedAndChangesNothing()
    {
        var o = await CreateWithLinesAsync();
        var submitted = Saved(await Orders.SaveAsync(o.Id, o.Version, o.Values.WithHeader(o.Values.Header with { Status = OrderStatus.Submitted }), Alice));
        var fulfilled = Saved(await Orders.SaveAsync(o.Id, submitted.Version, submitted.Values.WithHeader(submitted.Values.Header with { Status = OrderStatus.Fulfilled }), Alice));
        Assert.Equal(4, fulfilled.Version);

        var edit = await Orders.SaveAsync(o.Id, fulfilled.Version, fulfilled.Values.WithLine(fulfilled.Values.Lines[0] with { Quantity = 1 }), Bob);
        var reopen = await Orders.SaveAsync(o.Id, fulfilled.Version, fulfilled.Values.WithHeader(fulfilled.Values.Header with { Status = OrderStatus.Submitted }), Bob);

        foreach (var result in new[] { edit, reopen })
        {
            var error = Assert.Single(Assert.IsType<OrderSaveResult.Invalid>(result).Errors);
            Assert.Equal(("Status", "The order is fulfilled and can no longer be changed."), (error.Field, error.Message));
        }

        AssertSame(fulfilled, await Orders.GetAsync(o.Id));
    }

    [Fact]
    public async Task Save_WhenTheOrderWasDeleted_ReportsDeleted()
    {
        var o = await CreateWithLinesAsync();
        await using (var db = await DbAsync())
        {
            Assert.Equal(1, await db.Database.ExecuteSqlAsync($"DELETE FROM orders WHERE id = {o.Id}"));
        }

        Assert.IsType<OrderSaveResult.Deleted>(await Orders.SaveAsync(o.Id, o.Version, o.Values.AddLine(3, "X-1", "X", 1, 1m), Alice));
        Assert.Null(await Orders.GetAsync(o.Id));
        await using var check = await DbAsync();
        Assert.Equal(0, await check.OrderLines.CountAsync(l => l.OrderId == o.Id));
    }

    [Fact]
    public async Task Save_LineRemovalEditAndAddition_ArePersistedWithPositions()
    {
        var o = await CreateOrderAsync();
        var three = Saved(await Orders.SaveAsync(o.Id, 1, o.Values.AddLine(1, "A-1", "A", 1, 1m).AddLine(2, "B-1", "B", 2, 2m).AddLine(3, "C-1", "C", 3, 3m), Alice));
        var (a, b, c) = (three.Values.Lines[0], three.Values.Lines[1], three.Values.Lines[2]);

        // Remove A, edit C and move it first, keep B, add D at the end.
        var wanted = three.Values with { Lines = [c with { Quantity = 30, UnitPrice = 2.99m }, b] };
        wanted = wanted.AddLine(4, "D-1", "D", 4, 4m);
        var d = wanted.Lines[2];
        var saved = Saved(await Orders.SaveAsync(o.Id, three.Version, wanted, Bob));

        Assert.Equal(3, saved.Version);
        var reloaded = await Orders.GetAsync(o.Id);
        AssertSame(saved, reloaded);
        Assert.Equal([c with { Quantity = 30, UnitPrice = 2.99m }, b, d], reloaded!.Values.Lines);
        await using var db = await DbAsync();
        var rows = await db.OrderLines.Where(l => l.OrderId == o.Id).OrderBy(l => l.Position).Select(l => new { l.Id, l.Position }).ToListAsync();
        Assert.Equal([(c.LineId, 0), (b.LineId, 1), (d.LineId, 2)], rows.Select(r => (r.Id, r.Position)));
        Assert.False(await db.OrderLines.AnyAsync(l => l.Id == a.LineId));
    }

    [Fact]
    public async Task List_ShowsLineCountAndTotal_PerOrder()
    {
        var withLines = await CreateWithLinesAsync();
        var empty = await CreateOrderAsync("Globex");

        var page = await Orders.ListAsync(new OrderQuery());

        Assert.Equal(2, page.TotalCount);
        var a = page.Items.Single(i => i.Id == withLines.Id);
        Assert.Equal((withLines.Number, "Acme", OrderStatus.Draft, 2, 2 * 100m + 4 * 25.50m, 2), (a.Number, a.CustomerName, a.Status, a.LineCount, a.Total, a.Version));
        Assert.Equal(withLines.Values.Total, a.Total);
        var e = page.Items.Single(i => i.Id == empty.Id);
        Assert.Equal((0, 0m, 1), (e.LineCount, e.Total, e.Version));
    }

    [Fact]
    public async Task List_SearchesNumberAndCustomer_AndSortsByTotal()
    {
        var acme = await CreateWithLinesAsync();
        var globex = await CreateOrderAsync("Globex");

        Assert.Equal([globex.Id], (await Orders.ListAsync(new OrderQuery(Search: "glob"))).Items.Select(i => i.Id));
        Assert.Equal([acme.Id], (await Orders.ListAsync(new OrderQuery(Search: acme.Number))).Items.Select(i => i.Id));
        Assert.Equal([acme.Id, globex.Id], (await Orders.ListAsync(new OrderQuery(SortBy: "Total", Descending: true))).Items.Select(i => i.Id));
    }

    [Fact]
    public async Task Save_WhileSomeoneElseHoldsTheLease_IsLocked_AndWithTheTokenIsSaved()
    {
        var o = await CreateWithLinesAsync();
        var leases = Services.GetRequiredService<LeaseStore>();
        var lease = Assert.IsType<AcquireResult.Granted>(await leases.AcquireAsync("order/" + o.Id, Bob, "tab")).Lease;
        var wanted = o.Values.WithHeader(o.Values.Header with { Notes = "Bob's note" });

        var locked = Assert.IsType<OrderSaveResult.Locked>(await Orders.SaveAsync(o.Id, o.Version, wanted, Alice));
        Assert.Equal("Bob", locked.Holder.HolderName);
        Assert.Equal($"order/{o.Id}", locked.Holder.Key);
        Assert.StartsWith("Checked out by Bob until ", locked.Message, StringComparison.Ordinal);
        // A wrong token is no better than none.
        Assert.IsType<OrderSaveResult.Locked>(await Orders.SaveAsync(o.Id, o.Version, wanted, Alice, Guid.NewGuid()));
        AssertSame(o, await Orders.GetAsync(o.Id));

        var saved = Saved(await Orders.SaveAsync(o.Id, o.Version, wanted, Bob, lease.Token));
        Assert.Equal(o.Version + 1, saved.Version);
        Assert.Equal("Bob's note", saved.Values.Header.Notes);
        AssertSame(saved, await Orders.GetAsync(o.Id));
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Customers;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Orders;
using CollabEditor.Core.Records;
using CollabEditor.Data.Customers;
using CollabEditor.Data.History;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CollabEditor.Data.Tests;

/// <summary>Customers on the shared write path: versions, leases, lists, history, and the order link.</summary>
public sealed class CustomerStoreTests(ITestOutputHelper output) : DataTest
{
    private CustomerStore Customers => Services.GetRequiredService<CustomerStore>();

    private OrderStore Orders => Services.GetRequiredService<OrderStore>();

    private static CustomerValues Acme(string name = "Acme Ltd") => new(name, "Buyer@Acme.example", "+44 20 7946 0000", "1 High St\nLondon", "Net 30.");

    private async Task<CustomerSnapshot> NewCustomerAsync(CustomerValues? values = null) =>
        Assert.IsType<SaveResult<CustomerSnapshot>.Saved>(await Customers.CreateAsync(values ?? Acme(), Alice)).Current;

    [Fact]
    public async Task Create_StoresNormalizedValues_AtVersion1()
    {
        var c = await NewCustomerAsync(Acme("  Acme Ltd  "));

        Assert.Equal(1, c.Version);
        Assert.Equal(Acme() with { Email = "buyer@acme.example" }, c.Values);
        Assert.Equal("Alice", c.LastChangedBy);
        Assert.Equal(c, await Customers.GetAsync(c.Id));
    }

    [Fact]
    public async Task Create_WithBrokenRules_NamesEveryFieldAndWritesNothing()
    {
        var result = await Customers.CreateAsync(new CustomerValues(" ", "not-an-email", "12", "", ""), Alice);

        var invalid = Assert.IsType<SaveResult<CustomerSnapshot>.Invalid>(result);
        Assert.Equal(["Name", "Email", "Phone"], invalid.Errors.Select(e => e.Field));
        await using var db = await DbAsync();
        Assert.Equal(0, await db.Customers.CountAsync());
    }

    [Fact]
    public async Task Update_BumpsTheVersion_AndAStaleVersionIsAConflictWritingNothing()
    {
        var c = await NewCustomerAsync();
        var saved = Assert.IsType<SaveResult<CustomerSnapshot>.Saved>(await Customers.UpdateAsync(c.Id, 1, c.Values with { Phone = "020 7946 0001" }, Bob)).Current;
        Assert.Equal(2, saved.Version);
        Assert.Equal("Bob", saved.LastChangedBy);

        var stale = await Customers.UpdateAsync(c.Id, 1, c.Values with { Notes = "Mine." }, Alice);

        var conflict = Assert.IsType<SaveResult<CustomerSnapshot>.Conflict>(stale);
        Assert.Equal(saved, conflict.Theirs);
        Assert.Equal(saved, await Customers.GetAsync(c.Id));
    }

    [Fact]
    public async Task Update_OfWhatIsThere_MakesNoNewVersion()
    {
        var c = await NewCustomerAsync();

        var again = Assert.IsType<SaveResult<CustomerSnapshot>.Saved>(await Customers.UpdateAsync(c.Id, 1, c.Values, Bob)).Current;

        Assert.Equal(1, again.Version);
    }

    [Fact]
    public async Task Delete_IsVersionChecked_ThenTheCustomerIsGone()
    {
        var c = await NewCustomerAsync();

        Assert.IsType<DeleteResult<CustomerSnapshot>.Conflict>(await Customers.DeleteAsync(c.Id, 7, Bob));
        Assert.IsType<DeleteResult<CustomerSnapshot>.Removed>(await Customers.DeleteAsync(c.Id, 1, Bob));
        Assert.Null(await Customers.GetAsync(c.Id));
        Assert.IsType<DeleteResult<CustomerSnapshot>.NotFound>(await Customers.DeleteAsync(c.Id, 1, Bob));
        Assert.IsType<SaveResult<CustomerSnapshot>.Deleted>(await Customers.UpdateAsync(c.Id, 1, c.Values, Bob));
    }

    [Fact]
    public async Task Write_WhileSomeoneElseHoldsTheLease_IsRefused_AndTheHolderWrites()
    {
        var c = await NewCustomerAsync();
        var leases = Services.GetRequiredService<LeaseStore>();
        var lease = Assert.IsType<AcquireResult.Granted>(await leases.AcquireAsync(ResourceKey.ForCustomer(c.Id), Alice, "tab-1")).Lease;

        Assert.IsType<SaveResult<CustomerSnapshot>.Locked>(await Customers.UpdateAsync(c.Id, 1, c.Values with { Notes = "Bob's." }, Bob));
        Assert.IsType<SaveResult<CustomerSnapshot>.NotHolder>(await Customers.UpdateAsync(c.Id, 1, c.Values with { Notes = "Bob's." }, Bob, lease.Token));
        Assert.IsType<DeleteResult<CustomerSnapshot>.Locked>(await Customers.DeleteAsync(c.Id, 1, Bob));
        Assert.IsType<SaveResult<CustomerSnapshot>.Saved>(await Customers.UpdateAsync(c.Id, 1, c.Values with { Notes = "Alice's." }, Alice, lease.Token));

        await leases.ReleaseAsync(ResourceKey.ForCustomer(c.Id), lease.Token, Alice);
        Assert.IsType<SaveResult<CustomerSnapshot>.LeaseLost>(await Customers.UpdateAsync(c.Id, 2, c.Values with { Notes = "Late." }, Alice, lease.Token));
        Assert.Equal("Alice's.", (await Customers.GetAsync(c.Id))!.Values.Notes);
    }

    [Fact]
    public async Task List_SearchesNameAndEmail_AndPagesByKeyset()
    {
        foreach (var i in Enumerable.Range(1, 7))
        {
            await NewCustomerAsync(Acme($"Customer {i:00}") with { Email = $"c{i}@shop{i % 2}.example" });
        }

        var first = await Customers.ListAsync(new CustomerQuery(PageSize: 3));
        Assert.Equal(7, first.TotalCount);
        Assert.Equal(["Customer 01", "Customer 02", "Customer 03"], first.Items.Select(c => c.Values.Name));
        var second = await Customers.ListAsync(new CustomerQuery(PageSize: 3, Cursor: first.Next));
        Assert.Equal(["Customer 04", "Customer 05", "Customer 06"], second.Items.Select(c => c.Values.Name));

        var byEmail = await Customers.ListAsync(new CustomerQuery(Search: "@shop0", SortBy: "Name", Descending: true));
        Assert.Equal(["Customer 06", "Customer 04", "Customer 02"], byEmail.Items.Select(c => c.Values.Name));
        Assert.Equal(3, byEmail.TotalCount);
        Assert.Equal(2, (await Customers.GetManyAsync([first.Items[0].Id, second.Items[0].Id, 999])).Count);
    }

    [Fact]
    public async Task History_KeepsEveryVersion_AndRestoreIsAnOrdinarySave()
    {
        var c = await NewCustomerAsync();
        await Customers.UpdateAsync(c.Id, 1, c.Values with { Phone = "020 7946 0002" }, Bob);
        var history = Services.GetRequiredService<HistoryStore>();

        var v1 = await history.CustomerVersionEntryAsync(c.Id, 1);
        Assert.Equal(c.Values, v1!.Values);
        var timeline = await history.HistoryAsync(ResourceKey.ForCustomer(c.Id));
        var newest = Assert.IsType<Core.History.VersionEntry<CustomerValues>>(timeline[0]);
        Assert.Equal([("Phone", (object?)"+44 20 7946 0000", (object?)"020 7946 0002")], newest.Diff.Fields.Select(f => (f.Name, f.Old, f.New)));

        var restored = Assert.IsType<SaveResult<CustomerSnapshot>.Saved>(await history.RestoreCustomerAsync(c.Id, 1, 2, Alice)).Current;
        Assert.Equal((3, c.Values), (restored.Version, restored.Values));
    }

    [Fact]
    public async Task Order_LinkedToACustomer_CopiesItsNameWhenLinked_ThenTheNameIsTheOrdersOwn()
    {
        var c = await NewCustomerAsync();
        var order = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("", OrderStatus.Draft, "", c.Id), Alice)).Current;
        Assert.Equal(("Acme Ltd", (int?)c.Id), (order.Values.Header.CustomerName, order.Values.Header.CustomerId));

        // A rename of the customer does not rewrite the order behind Alice's next, unrelated save (as a product rename leaves its lines).
        await Customers.UpdateAsync(c.Id, 1, c.Values with { Name = "Acme Group" }, Bob);
        var saved = Assert.IsType<OrderSaveResult.Saved>(await Orders.SaveAsync(order.Id, 1, order.Values.WithHeader(order.Values.Header with { Notes = "Call first." }), Alice)).Current;
        Assert.Equal(("Acme Ltd", (int?)c.Id), (saved.Values.Header.CustomerName, saved.Values.Header.CustomerId));

        // Linking another customer copies its name, whatever name was sent.
        var other = Assert.IsType<SaveResult<CustomerSnapshot>.Saved>(await Customers.CreateAsync(new CustomerValues("Beta GmbH", "", "", "", ""), Bob)).Current;
        var relinked = Assert.IsType<OrderSaveResult.Saved>(await Orders.SaveAsync(order.Id, 2, saved.Values.WithHeader(saved.Values.Header with { CustomerId = other.Id, CustomerName = "typed" }), Alice)).Current;
        Assert.Equal(("Beta GmbH", (int?)other.Id), (relinked.Values.Header.CustomerName, relinked.Values.Header.CustomerId));
        Assert.Equal(relinked.Values.Header, (await Orders.GetAsync(order.Id))!.Values.Header);
    }

    [Fact]
    public async Task Order_WithAnUnknownCustomerId_IsRefusedNamingCustomerId_AndWithoutOneTakesTheNameAsGiven()
    {
        var created = await Orders.CreateAsync(new OrderHeader("x", OrderStatus.Draft, "", 4242), Alice);
        Assert.Equal(["CustomerId"], Assert.IsType<OrderSaveResult.Invalid>(created).Errors.Select(e => e.Field));

        var plain = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("Walk-in", OrderStatus.Draft, ""), Alice)).Current;
        Assert.Equal(("Walk-in", (int?)null), (plain.Values.Header.CustomerName, plain.Values.Header.CustomerId));
        var linked = await Orders.SaveAsync(plain.Id, 1, plain.Values.WithHeader(plain.Values.Header with { CustomerId = 4242 }), Alice);
        Assert.Equal(["CustomerId"], Assert.IsType<OrderSaveResult.Invalid>(linked).Errors.Select(e => e.Field));
        Assert.Equal(1, (await Orders.GetAsync(plain.Id))!.Version);
    }

    [Fact]
    public async Task DeletingACustomer_UnlinksEachOrderAsOneNewVersionByTheDeleter_KeepingTheName()
    {
        var c = await NewCustomerAsync();
        var linked = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
            Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("", OrderStatus.Draft, "", c.Id), Alice)).Current));
        var other = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("Walk-in", OrderStatus.Draft, ""), Alice)).Current;

        Assert.IsType<DeleteResult<CustomerSnapshot>.Removed>(await Customers.DeleteAsync(c.Id, 1, Bob));

        foreach (var order in linked)
        {
            var after = (await Orders.GetAsync(order.Id))!;
            Assert.Equal(("Acme Ltd", (int?)null, 2, "Bob"), (after.Values.Header.CustomerName, after.Values.Header.CustomerId, after.Version, after.LastChangedBy));
        }

        Assert.Equal(1, (await Orders.GetAsync(other.Id))!.Version);
        // The order's history says what the unlink changed (an outside try saw "Saved without changes").
        var unlinked = (await Services.GetRequiredService<HistoryStore>().OrderHistoryAsync(linked[0].Id)).OfType<Core.History.VersionEntry>().First(v => v.Version == 2);
        var link = Assert.Single(unlinked.Diff.Fields, f => f.Name == "CustomerId");
        Assert.Equal(("Linked to customer " + c.Id.ToString(CultureInfo.InvariantCulture), "Not linked"), ((string?)link.Old, (string?)link.New));
        var keys = linked.Select(o => ResourceKey.ForOrder(o.Id)).ToArray();
        Assert.Equal(linked.Length, await ChangeCountAsync("change_log", keys, 2));
        Assert.Equal(linked.Length, await ChangeCountAsync("record_history", keys, 2));
        Assert.Equal(0, await DuplicateCountAsync("change_log"));
        Assert.Equal(0, await DuplicateCountAsync("record_history"));
    }

    [Fact]
    public async Task NegativeControl_ADeleteLeftToOnDeleteSetNull_AnnouncesAndRecordsTheSameOrderVersionTwice()
    {
        var c = await NewCustomerAsync();
        var order = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("", OrderStatus.Draft, "", c.Id), Alice)).Current;

        // The delete as it was: the foreign key nulls the link without a new order version.
        await using (var db = await DbAsync())
        {
            await db.Database.ExecuteSqlAsync($"DELETE FROM customers WHERE id = {c.Id}");
        }

        Assert.Equal(1, (await Orders.GetAsync(order.Id))!.Version);
        Assert.True(await DuplicateCountAsync("change_log") > 0);
        Assert.True(await DuplicateCountAsync("record_history") > 0);
    }

    [Fact]
    public async Task DeletingACustomer_RefusedByItsLease_LeavesItsOrdersLinkedAndUntouched()
    {
        var c = await NewCustomerAsync();
        var order = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("", OrderStatus.Draft, "", c.Id), Alice)).Current;
        var leases = Services.GetRequiredService<LeaseStore>();
        Assert.IsType<AcquireResult.Granted>(await leases.AcquireAsync(ResourceKey.ForCustomer(c.Id), Alice, "tab-1"));

        Assert.IsType<DeleteResult<CustomerSnapshot>.Locked>(await Customers.DeleteAsync(c.Id, 1, Bob));
        Assert.IsType<DeleteResult<CustomerSnapshot>.Conflict>(await Customers.DeleteAsync(c.Id, 7, Bob));

        var after = (await Orders.GetAsync(order.Id))!;
        Assert.Equal(((int?)c.Id, 1), (after.Values.Header.CustomerId, after.Version));
    }

    [Fact]
    public async Task DeletingACustomer_WhileSomeoneElseHasALinkedOrderCheckedOut_IsLockedNamingTheOrderAndHolder_AndChangesNothing()
    {
        var c = await NewCustomerAsync();
        var free = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("", OrderStatus.Draft, "", c.Id), Alice)).Current;
        var held = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("", OrderStatus.Draft, "", c.Id), Alice)).Current;
        var leases = Services.GetRequiredService<LeaseStore>();
        var lease = Assert.IsType<AcquireResult.Granted>(await leases.AcquireAsync(ResourceKey.ForOrder(held.Id), Alice, "alice-tab")).Lease;
        var changesBefore = await ChangeLogCountAsync();

        var locked = Assert.IsType<DeleteResult<CustomerSnapshot>.Locked>(await Customers.DeleteAsync(c.Id, 1, Bob));

        Assert.Contains($"Order {held.Number}", locked.Message, StringComparison.Ordinal);
        Assert.Contains("checked out by Alice", locked.Message, StringComparison.Ordinal);
        Assert.Equal(c, await Customers.GetAsync(c.Id));
        foreach (var order in new[] { free, held })
        {
            var after = (await Orders.GetAsync(order.Id))!;
            Assert.Equal(((int?)c.Id, 1, "Alice"), (after.Values.Header.CustomerId, after.Version, after.LastChangedBy));
        }

        Assert.Equal(changesBefore, await ChangeLogCountAsync());

        // Checked in: the same delete goes through.
        await leases.ReleaseAsync(lease.Key, lease.Token, Alice);
        Assert.IsType<DeleteResult<CustomerSnapshot>.Removed>(await Customers.DeleteAsync(c.Id, 1, Bob));
        Assert.Null((await Orders.GetAsync(held.Id))!.Values.Header.CustomerId);
    }

    [Fact]
    public async Task DeletingACustomer_ByTheHolderOfALinkedOrdersLease_GoesThrough()
    {
        var c = await NewCustomerAsync();
        var held = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("", OrderStatus.Draft, "", c.Id), Alice)).Current;
        Assert.IsType<AcquireResult.Granted>(await Services.GetRequiredService<LeaseStore>().AcquireAsync(ResourceKey.ForOrder(held.Id), Bob, "bob-tab"));

        Assert.IsType<DeleteResult<CustomerSnapshot>.Removed>(await Customers.DeleteAsync(c.Id, 1, Bob));

        var after = (await Orders.GetAsync(held.Id))!;
        Assert.Equal(((int?)null, 2, "Bob"), (after.Values.Header.CustomerId, after.Version, after.LastChangedBy));
    }

    [Fact]
    public async Task NegativeControl_TheUnlinkWithoutTheLeaseCheck_WritesAnOrderSomeoneElseHasCheckedOut()
    {
        var c = await NewCustomerAsync();
        var held = Assert.IsType<OrderSaveResult.Saved>(await Orders.CreateAsync(new OrderHeader("", OrderStatus.Draft, "", c.Id), Alice)).Current;
        Assert.IsType<AcquireResult.Granted>(await Services.GetRequiredService<LeaseStore>().AcquireAsync(ResourceKey.ForOrder(held.Id), Alice, "alice-tab"));

        // The unlink as it was before the lease check: it takes the order from under Alice's lease.
        await using (var db = await DbAsync())
        {
            await db.Database.ExecuteSqlAsync($"UPDATE orders SET customer_id = NULL, version = version + 1, last_changed_by = 'Bob' WHERE customer_id = {c.Id}");
        }

        var after = (await Orders.GetAsync(held.Id))!;
        Assert.Equal(((int?)null, 2, "Bob"), (after.Values.Header.CustomerId, after.Version, after.LastChangedBy));
    }

    private async Task<int> ChangeLogCountAsync()
    {
        await using var db = await DbAsync();
        return await db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM change_log").SingleAsync();
    }

    private async Task<int> ChangeCountAsync(string table, string[] keys, int version)
    {
        await using var db = await DbAsync();
        return await (table == "change_log"
            ? db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM change_log WHERE resource_key = ANY({keys}) AND version = {version}")
            : db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM record_history WHERE resource_key = ANY({keys}) AND version = {version}")).SingleAsync();
    }

    /// <summary>Versions of orders written more than once (a delete's own entry repeats the last version, so deletes are left out).</summary>
    private async Task<int> DuplicateCountAsync(string table)
    {
        await using var db = await DbAsync();
        return await (table == "change_log"
            ? db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM (SELECT 1 FROM change_log WHERE resource_key LIKE 'order/%' AND kind <> 'deleted' GROUP BY resource_key, version HAVING count(*) > 1) d")
            : db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM (SELECT 1 FROM record_history WHERE resource_key LIKE 'order/%' AND NOT deleted GROUP BY resource_key, version HAVING count(*) > 1) d")).SingleAsync();
    }

    private const int Writers = 12;
    private const int Rounds = 40;

    [Fact]
    public async Task ConcurrentIncrements_ThroughTheSavePath_LoseNothing()
    {
        var c = await NewCustomerAsync(Acme() with { Notes = "0" });
        var versions = new ConcurrentBag<int>();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var actor = new Core.Users.Actor($"writer-{w}", $"Writer {w}");
            for (var i = 0; i < Rounds; i++)
            {
                while (true)
                {
                    var current = (await Customers.GetAsync(c.Id))!;
                    var next = (int.Parse(current.Values.Notes, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
                    if (await Customers.UpdateAsync(c.Id, current.Version, current.Values with { Notes = next }, actor) is SaveResult<CustomerSnapshot>.Saved saved)
                    {
                        versions.Add(saved.Current.Version);
                        break;
                    }
                }
            }
        })));

        var final = (await Customers.GetAsync(c.Id))!;
        output.WriteLine($"{versions.Count} saves, final count {final.Values.Notes}, version {final.Version}");
        Assert.Equal((Writers * Rounds).ToString(CultureInfo.InvariantCulture), final.Values.Notes);
        Assert.Equal(Enumerable.Range(2, Writers * Rounds), versions.OrderBy(v => v));
    }

    [Fact]
    public async Task NegativeControl_WithoutTheVersionCheck_IncrementsAreLost()
    {
        var c = await NewCustomerAsync(Acme() with { Notes = "0" });
        var acknowledged = 0;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                // The same read-modify-write, minus "AND version = @expected".
                var current = (await Customers.GetAsync(c.Id))!;
                var next = (int.Parse(current.Values.Notes, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
                await using var db = await DbAsync();
                Interlocked.Add(ref acknowledged, await db.Database.ExecuteSqlAsync($"UPDATE customers SET notes = {next}, version = version + 1 WHERE id = {c.Id}"));
            }
        })));

        var final = int.Parse((await Customers.GetAsync(c.Id))!.Values.Notes, CultureInfo.InvariantCulture);
        output.WriteLine($"naive: {acknowledged} saves, final count {final}");
        Assert.True(final < acknowledged, $"expected lost updates without the version check, got {final} for {acknowledged} saves");
    }
}

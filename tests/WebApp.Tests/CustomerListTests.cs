using Bunit;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Customers;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Records;
using CollabEditor.Core.Users;
using CollabEditor.Data.Customers;
using CollabEditor.Data.Leases;
using CollabEditor.WebApp.Customers;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// The open customer list on a real database, fed events the way the listener publishes them after a
/// commit: a shown customer saved is patched without a list query, an insert re-queries, a check-out
/// shows its holder; rows link to their editor.
/// </summary>
public sealed class CustomerListTests : MudTestContext
{
    private static readonly Actor Bob = new("bob-id", "Bob");
    private readonly List<CustomerSnapshot> _customers = [];
    private StatementCounter _statements = default!;

    private CustomerStore Store => Services.GetRequiredService<CustomerStore>();

    private ChangeFeed Feed => Services.GetRequiredService<ChangeFeed>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // 30 customers: the first page (25, by name) is full, so rows exist that are not shown.
        for (var i = 0; i < 30; i++)
        {
            _customers.Add(Saved(await Store.CreateAsync(new CustomerValues($"Live {i:000}", $"live{i:000}@example.com", "020 7946 0000", "", ""), Bob)));
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

    private static CustomerSnapshot Saved(SaveResult<CustomerSnapshot> result) => Assert.IsType<SaveResult<CustomerSnapshot>.Saved>(result).Current;

    private IRenderedComponent<IComponent> RenderList()
    {
        RenderFragment page = b =>
        {
            b.OpenComponent<CustomerList>(0);
            b.CloseComponent();
        };
        var cut = Render(page);
        cut.WaitForAssertion(() => Assert.Contains("Live 024", cut.Markup, StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.True(Feed.SubscriberCount >= 1));
        return cut;
    }

    [Fact]
    public void List_ShowsNameEmailPhoneAndVersion_WithRowsLinkingToTheirEditor_AndANewCustomerButton()
    {
        var cut = RenderList();

        var links = cut.FindAll("[data-testid=customer-grid] [data-testid=customer-link]");
        Assert.Equal(25, links.Count);
        Assert.Equal($"/customers/{_customers[0].Id}", links[0].GetAttribute("href"));
        Assert.Equal("Live 000", links[0].TextContent.Trim());
        Assert.Contains("live000@example.com", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("020 7946 0000", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("of 30", cut.Markup, StringComparison.Ordinal);
        Assert.Equal("/customers/new", cut.Find("[data-testid=new-customer]").GetAttribute("href"));
    }

    [Fact]
    public async Task ShownCustomerSaved_IsPatchedOnTheOpenList_WithoutAListQuery()
    {
        var cut = RenderList();
        _statements.Reset();

        var c = _customers[3];
        var saved = Saved(await Store.UpdateAsync(c.Id, c.Version, c.Values with { Phone = "+1 555 0100 77" }, Bob));
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForCustomer(c.Id), saved.Version, "Bob"));

        cut.WaitForAssertion(() => Assert.Contains("+1 555 0100 77", cut.Markup, StringComparison.Ordinal));
        Assert.Equal(0, _statements.ListQueries);
        Assert.Equal(1, _statements.SharedReads);
    }

    [Fact]
    public async Task Insert_Requeries_AndTheNewCustomerAndTotalAppear()
    {
        var cut = RenderList();
        _statements.Reset();

        var created = Saved(await Store.CreateAsync(new CustomerValues("Live 000A", "", "", "", ""), Bob));
        Feed.Publish(new ChangeEvent(ChangeKind.Created, ResourceKey.ForCustomer(created.Id), 1, "Bob"));

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Live 000A", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("of 31", cut.Markup, StringComparison.Ordinal);
        });
        Assert.True(_statements.ListQueries >= 2, $"{_statements.ListQueries} list queries");
    }

    [Fact]
    public async Task RenameThatMovesTheRow_Requeries_AndTheRowLeavesTheFirstPage()
    {
        var cut = RenderList();
        _statements.Reset();

        var c = _customers[1];
        var saved = Saved(await Store.UpdateAsync(c.Id, c.Version, c.Values with { Name = "Zulu Ltd" }, Bob));
        Feed.Publish(new ChangeEvent(ChangeKind.Saved, ResourceKey.ForCustomer(c.Id), saved.Version, "Bob"));

        cut.WaitForAssertion(() =>
        {
            Assert.DoesNotContain("Zulu Ltd", cut.Markup, StringComparison.Ordinal);
            Assert.DoesNotContain(">Live 001<", cut.Markup, StringComparison.Ordinal);
            Assert.Contains("Live 025", cut.Markup, StringComparison.Ordinal);
        });
        Assert.True(_statements.ListQueries >= 2, $"{_statements.ListQueries} list queries");
    }

    [Fact]
    public async Task CheckOut_ShowsTheHolderOnTheRow_WithoutAListQuery_AndCheckInRemovesIt()
    {
        var cut = RenderList();
        _statements.Reset();
        var leases = Services.GetRequiredService<LeaseStore>();

        var lease = Assert.IsType<AcquireResult.Granted>(await leases.AcquireAsync(ResourceKey.ForCustomer(_customers[4].Id), Bob, "bob-tab")).Lease;
        Feed.Publish(new ChangeEvent(ChangeKind.LeaseGranted, lease.Key, lease.Fencing, "Bob"));

        cut.WaitForAssertion(() =>
        {
            var badge = cut.Find("[data-testid=lock-badge]");
            Assert.Equal("Bob", badge.TextContent.Trim());
            Assert.Equal("Checked out by Bob", badge.GetAttribute("title"));
        });
        Assert.Equal(0, _statements.ListQueries);

        await leases.ReleaseAsync(lease.Key, lease.Token, Bob);
        Feed.Publish(new ChangeEvent(ChangeKind.LeaseReleased, lease.Key, lease.Fencing, "Bob"));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=lock-badge]")));
        Assert.Equal(0, _statements.ListQueries);
    }

    // The list shell's delete, as every kind that deletes has it (products, customers).
    [Fact]
    public async Task Delete_Confirmed_RemovesTheCustomer_TheRowGoes_AndItSaysSo()
    {
        var cut = RenderList();
        var c = _customers[0];

        await DeleteAsync(cut, "Live 000", confirm: true);

        cut.WaitForAssertion(() => Assert.Contains("Deleted Live 000.", Snackbars()));
        Assert.Null(await Store.GetAsync(c.Id));
        cut.WaitForAssertion(() => Assert.DoesNotContain(">Live 000<", cut.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Delete_OfACustomerSomeoneSavedSinceItWasShown_DeletesNothing_AndSaysWhoAndWhichVersion()
    {
        var cut = RenderList();
        var c = _customers[2];
        // Carol saves (Bob made every row); this list has not heard of it yet (its event still on the way).
        var theirs = Saved(await Store.UpdateAsync(c.Id, c.Version, c.Values with { Notes = "Carol's notes" }, new Actor("carol-id", "Carol")));

        await DeleteAsync(cut, "Live 002", confirm: true);

        cut.WaitForAssertion(() => Assert.Contains("Not deleted: Carol changed Live 002 since you loaded it (now version 2). Review it and delete again.", Snackbars()));
        Assert.Equal(theirs, await Store.GetAsync(c.Id));
    }

    [Fact]
    public async Task Delete_Cancelled_DeletesNothing()
    {
        var cut = RenderList();
        var c = _customers[1];

        await DeleteAsync(cut, "Live 001", confirm: false);

        Assert.Equal(c, await Store.GetAsync(c.Id));
        Assert.Empty(Snackbars());
    }

    private List<string?> Snackbars() => [.. Services.GetRequiredService<MudBlazor.ISnackbar>().ShownSnackbars.Select(s => s.Message)];

    private static async Task DeleteAsync(IRenderedComponent<IComponent> cut, string name, bool confirm)
    {
        // The click's handler waits for the answer to its confirmation: answer first, then wait for it.
        var deleting = cut.Find($"[data-testid=delete-customer][aria-label='Delete {name}']").ClickAsync(new());
        // Every row is at version 1 when the list shows it; a customer's delete says what happens to its orders.
        cut.WaitForAssertion(() => Assert.Contains($"Delete {name}, version 1? Its orders keep the name and lose the link.", cut.Find(".mud-dialog").TextContent, StringComparison.Ordinal));
        var answer = confirm ? "Delete" : "Cancel";
        await cut.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == answer).ClickAsync(new());
        await deleting.WaitAsync(TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-dialog")));
    }
}

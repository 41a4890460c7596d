using CollabEditor.Core.Leases;
using CollabEditor.Core.Users;
using CollabEditor.Data.Leases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CollabEditor.Data.Tests;

public sealed class LeaseTests : DataTest
{
    private static readonly Actor Admin = new("admin-id", "Admin", IsAdmin: true);

    private LeaseStore Leases => Services.GetRequiredService<LeaseStore>();

    private LeaseStore LeasesWith(TimeSpan ttl, TimeProvider? time = null) =>
        new(Services.GetRequiredService<NpgsqlDataSource>(), Options.Create(new LeaseOptions { Ttl = ttl, RenewEvery = ttl / 3 }), time ?? TimeProvider.System);

    private static Lease Granted(AcquireResult r) => Assert.IsType<AcquireResult.Granted>(r).Lease;

    private async Task<DateTimeOffset> DbNowAsync()
    {
        await using var cmd = Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("SELECT now()");
        return new DateTimeOffset((DateTime)(await cmd.ExecuteScalarAsync())!);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (!await condition())
        {
            await Task.Delay(25, timeout.Token);
        }
    }

    [Fact]
    public async Task Acquire_GrantsOnce_AndDeniesOthersNamingTheHolder()
    {
        var lease = Granted(await Leases.AcquireAsync("product/1", Alice, "tab-1"));
        Assert.Equal(("Alice", "tab-1"), (lease.HolderName, lease.HolderSession));

        var denied = Assert.IsType<AcquireResult.Denied>(await Leases.AcquireAsync("product/1", Bob, "tab-9"));
        Assert.Equal("Alice", denied.Holder.HolderName);
        Assert.Equal(lease.ExpiresAt, denied.Holder.ExpiresAt);
        Assert.StartsWith("Checked out by Alice until", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSameUserInASecondTab_IsADifferentHolder()
    {
        Granted(await Leases.AcquireAsync("product/1", Alice, "tab-1"));
        Assert.IsType<AcquireResult.Denied>(await Leases.AcquireAsync("product/1", Alice, "tab-2"));
        // The same tab again takes a fresh lease (new token, higher fencing number).
        var again = Granted(await Leases.AcquireAsync("product/1", Alice, "tab-1"));
        Assert.Equal("tab-1", again.HolderSession);
    }

    [Fact]
    public async Task RenewAndRelease_NeedTheToken_AndGuessingIsRefusedAndAudited()
    {
        var lease = Granted(await Leases.AcquireAsync("product/1", Alice, "tab-1"));

        Assert.IsType<LeaseChange.NotHeld>(await Leases.RenewAsync("product/1", Guid.NewGuid(), Bob));
        Assert.IsType<LeaseChange.NotHeld>(await Leases.ReleaseAsync("product/1", Guid.NewGuid(), Bob));
        Assert.Equal(lease.Fencing, (await Leases.GetAsync("product/1"))!.Fencing);
        Assert.Contains(await Leases.AuditAsync("product/1"), a => a.Action == "renewal-failed" && a.UserName == "Bob");

        var renewed = Assert.IsType<LeaseChange.Done>(await Leases.RenewAsync("product/1", lease.Token, Alice)).Lease;
        Assert.True(renewed.ExpiresAt >= lease.ExpiresAt);
        Assert.IsType<LeaseChange.Done>(await Leases.ReleaseAsync("product/1", lease.Token, Alice));
        Assert.Null(await Leases.GetAsync("product/1"));
    }

    [Fact]
    public async Task ForceRelease_NeedsAdminAndAReason_AndIsAudited()
    {
        var lease = Granted(await Leases.AcquireAsync("product/1", Alice, "tab-1"));

        var editor = Assert.IsType<LeaseChange.Forbidden>(await Leases.ForceReleaseAsync("product/1", Bob, "mine now"));
        Assert.Contains("administrator", editor.Message, StringComparison.Ordinal);
        var noReason = Assert.IsType<LeaseChange.Invalid>(await Leases.ForceReleaseAsync("product/1", Admin, "  "));
        Assert.Equal("Reason", noReason.Field);
        Assert.NotNull(await Leases.GetAsync("product/1"));
        Assert.DoesNotContain(await Leases.AuditAsync("product/1"), a => a.Action == "force-released");

        Assert.IsType<LeaseChange.Done>(await Leases.ForceReleaseAsync("product/1", Admin, "Alice is on holiday"));
        Assert.Null(await Leases.GetAsync("product/1"));
        var entry = (await Leases.AuditAsync("product/1"))[0];
        Assert.Equal(("force-released", "Admin", "Alice", lease.Fencing, "Alice is on holiday"), (entry.Action, entry.UserName, entry.HolderName, entry.Fencing, entry.Reason));
    }

    [Theory]
    [InlineData(-5)]
    [InlineData(0)]
    [InlineData(5)]
    public async Task Leases_LastTheTtlByTheDatabaseClock_WhateverTheAppClockSays(int shiftMinutes)
    {
        var appClock = new FakeTimeProvider(TimeProvider.System.GetUtcNow().AddMinutes(shiftMinutes));
        var store = LeasesWith(TimeSpan.FromSeconds(60), appClock);
        var before = await DbNowAsync();

        var lease = Granted(await store.AcquireAsync($"product/{10 + shiftMinutes}", Alice, "tab-1"));

        Assert.Equal(TimeSpan.FromSeconds(60), lease.ExpiresAt - lease.AcquiredAt);
        Assert.InRange(lease.AcquiredAt, before, before.AddSeconds(5));
        Assert.InRange(lease.Remaining, TimeSpan.FromSeconds(55), TimeSpan.FromSeconds(60));
        Assert.IsType<AcquireResult.Denied>(await store.AcquireAsync($"product/{10 + shiftMinutes}", Bob, "tab-2"));
    }

    [Fact]
    public async Task AnExpiredLease_IsTakenOver_AndTheExpiryIsAudited()
    {
        var shortLeases = LeasesWith(TimeSpan.FromSeconds(1));
        var alices = Granted(await shortLeases.AcquireAsync("product/1", Alice, "tab-1"));
        await WaitUntilAsync(async () => await shortLeases.GetAsync("product/1") is null);

        var bobs = Granted(await shortLeases.AcquireAsync("product/1", Bob, "tab-2"));
        Assert.True(bobs.Fencing > alices.Fencing);
        Assert.IsType<LeaseChange.NotHeld>(await shortLeases.RenewAsync("product/1", alices.Token, Alice));
        Assert.Contains(await Leases.AuditAsync("product/1"), a => a.Action == "expired" && a.HolderName == "Alice");
    }

    [Fact]
    public async Task Sweep_RemovesExpiredLeases_AndRecordsThemAsExpired()
    {
        var shortLeases = LeasesWith(TimeSpan.FromSeconds(1));
        Granted(await shortLeases.AcquireAsync("product/7", Alice, "tab-1"));
        Granted(await Leases.AcquireAsync("product/8", Bob, "tab-2"));
        await WaitUntilAsync(async () => await shortLeases.GetAsync("product/7") is null);

        Assert.Equal(1, await Leases.SweepExpiredAsync());
        Assert.Equal("expired", (await Leases.AuditAsync("product/7"))[0].Action);
        Assert.Equal(["product/8"], (await Leases.ListLiveAsync()).Select(l => l.Key));
    }

    [Fact]
    public async Task AcquireWaiting_GetsTheLeaseWhenTheHolderReleases_OrGivesUpNamingTheHolder()
    {
        var bobs = Granted(await Leases.AcquireAsync("product/1", Bob, "tab-2"));

        var gaveUp = Assert.IsType<AcquireResult.Denied>(await Leases.AcquireWaitingAsync("product/1", Alice, "tab-1", TimeSpan.FromMilliseconds(600)));
        Assert.Equal("Bob", gaveUp.Holder.HolderName);

        var waiting = Leases.AcquireWaitingAsync("product/1", Alice, "tab-1", TimeSpan.FromSeconds(10));
        await Leases.ReleaseAsync("product/1", bobs.Token, Bob);
        Assert.Equal("Alice", Granted(await waiting).HolderName);
    }

    [Fact]
    public async Task WhileSomeoneHoldsALease_OtherWritersAreRefused_AndTheHolderWrites()
    {
        var p = await CreateAsync();
        var lease = Granted(await Leases.AcquireAsync($"product/{p.Id}", Alice, "tab-1"));

        var refused = Assert.IsType<SaveResult.Locked>(await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 1 }, Bob));
        Assert.Equal("Alice", refused.Holder.HolderName);
        Assert.StartsWith("Checked out by Alice until", refused.Message, StringComparison.Ordinal);
        Assert.IsType<DeleteResult.Locked>(await Store.DeleteAsync(p.Id, 1, Bob));
        Assert.IsType<SaveResult.Locked>(await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 1 }, Alice, Guid.NewGuid()));

        var saved = Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 2 }, Alice, lease.Token)).Current;
        Assert.Equal(2, saved.Version);
    }

    [Fact]
    public async Task AProductThatRequiresCheckout_CannotBeSavedWithoutALiveLease()
    {
        var p = await CreateAsync(NewProduct() with { RequiresCheckout = true });

        Assert.IsType<SaveResult.CheckoutRequired>(await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 1 }, Alice));
        // Turning the flag off is a write too: it needs the lease as well.
        Assert.IsType<SaveResult.CheckoutRequired>(await Store.UpdateAsync(p.Id, 1, p.Values with { RequiresCheckout = false }, Alice));

        var lease = Granted(await Leases.AcquireAsync($"product/{p.Id}", Alice, "tab-1"));
        Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 1 }, Alice, lease.Token));
        Assert.Equal(1, (await Store.GetAsync(p.Id))!.Values.Stock);
    }

    [Fact]
    public async Task TurningTheCheckoutFlagOn_NeedsNoLease()
    {
        var p = await CreateAsync();
        Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(p.Id, 1, p.Values with { RequiresCheckout = true }, Alice));
        Assert.IsType<SaveResult.CheckoutRequired>(await Store.UpdateAsync(p.Id, 2, p.Values with { Stock = 3 }, Alice));
    }

    [Fact]
    public async Task Fencing_AHolderThatPausedPastItsTtl_CannotSaveAfterAnotherUserAcquiredAndSaved()
    {
        var p = await CreateAsync();
        var shortLeases = LeasesWith(TimeSpan.FromSeconds(1));
        var alices = Granted(await shortLeases.AcquireAsync($"product/{p.Id}", Alice, "tab-1"));
        var alicesView = (await Store.GetAsync(p.Id))!;

        // Alice pauses (a long GC, a laptop lid) past her TTL; Bob checks out and saves.
        await WaitUntilAsync(async () => await shortLeases.GetAsync($"product/{p.Id}") is null);
        var bobs = Granted(await Leases.AcquireAsync($"product/{p.Id}", Bob, "tab-2"));
        var bobsSave = Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(p.Id, 1, p.Values with { Name = "Bob's" }, Bob, bobs.Token)).Current;

        var refused = 0;
        for (var i = 0; i < 100; i++)
        {
            var r = await Store.UpdateAsync(p.Id, alicesView.Version, alicesView.Values with { Stock = 1000 + i }, Alice, alices.Token);
            refused += r is SaveResult.Locked or SaveResult.Conflict ? 1 : 0;
        }

        // And after Bob checks in, Alice's stale writes still fail: her version is gone.
        await Leases.ReleaseAsync($"product/{p.Id}", bobs.Token, Bob);
        for (var i = 0; i < 100; i++)
        {
            var r = await Store.UpdateAsync(p.Id, alicesView.Version, alicesView.Values with { Stock = 2000 + i }, Alice, alices.Token);
            refused += r is SaveResult.Conflict ? 1 : 0;
        }

        Assert.Equal(200, refused);
        Assert.Equal(bobsSave, await Store.GetAsync(p.Id));
    }

    [Fact]
    public async Task AnotherUsersToken_IsRefusedAsNotHolder_ByRenewReleaseSaveAndDelete_AndTheLeaseStays()
    {
        var p = await CreateAsync();
        var key = $"product/{p.Id}";
        var alices = Granted(await Leases.AcquireAsync(key, Alice, "tab-1"));

        Assert.Equal("Alice", Assert.IsType<LeaseChange.NotHolder>(await Leases.RenewAsync(key, alices.Token, Bob)).Holder.HolderName);
        Assert.IsType<LeaseChange.NotHolder>(await Leases.ReleaseAsync(key, alices.Token, Bob));
        Assert.IsType<SaveResult.NotHolder>(await Store.UpdateAsync(p.Id, p.Version, p.Values with { Stock = 1 }, Bob, alices.Token));
        Assert.IsType<DeleteResult.NotHolder>(await Store.DeleteAsync(p.Id, p.Version, Bob, alices.Token));

        Assert.Equal(p, await Store.GetAsync(p.Id));
        Assert.Equal(alices.Fencing, (await Leases.GetAsync(key))!.Fencing);
        Assert.IsType<SaveResult.Saved>(await Store.UpdateAsync(p.Id, p.Version, p.Values with { Stock = 2 }, Alice, alices.Token));
        Assert.IsType<LeaseChange.Done>(await Leases.ReleaseAsync(key, alices.Token, Alice));
    }

    [Fact]
    public async Task AcquireOrReturn_TheSameHolderAgain_GetsItsLiveLeaseUnchanged_AfterItEnded_ANewOne()
    {
        var first = Granted(await Leases.AcquireOrReturnAsync("product/1", Alice, "api-key:k1"));
        var again = Assert.IsType<AcquireResult.AlreadyHeld>(await Leases.AcquireOrReturnAsync("product/1", Alice, "api-key:k1")).Lease;
        Assert.Equal((first.Token, first.Fencing), (again.Token, again.Fencing));
        Assert.IsType<AcquireResult.Denied>(await Leases.AcquireOrReturnAsync("product/1", Bob, "api-key:k1"));
        Assert.IsType<AcquireResult.Denied>(await Leases.AcquireOrReturnAsync("product/1", Alice, "api-key:k2"));

        Assert.IsType<LeaseChange.Done>(await Leases.ReleaseAsync("product/1", first.Token, Alice));
        var renewed = Granted(await Leases.AcquireOrReturnAsync("product/1", Alice, "api-key:k1"));
        Assert.NotEqual(first.Token, renewed.Token);
        Assert.True(renewed.Fencing > first.Fencing);
    }
}

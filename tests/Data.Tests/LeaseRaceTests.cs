using CollabEditor.Core.Leases;
using CollabEditor.Core.Users;
using CollabEditor.Data.Leases;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using Xunit.Abstractions;

namespace CollabEditor.Data.Tests;

/// <summary>
/// 64 acquirers race for one resource, round after round; each holder records its tenure. The
/// one-statement acquire never grants twice; the naive check-then-insert does.
/// </summary>
public sealed class LeaseRaceTests(ITestOutputHelper output) : DataTest
{
    private const int Acquirers = 64;
    private const string Key = "product/4242";

    private sealed class Tenure
    {
        private readonly Lock _gate = new();
        private int _live;
        private long _lastFencing;

        public int Grants { get; private set; }

        public int DoubleGrants { get; private set; }

        public int FencingOutOfOrder { get; private set; }

        public void Begin(long fencing)
        {
            lock (_gate)
            {
                Grants++;
                if (++_live > 1)
                {
                    DoubleGrants++;
                }

                if (fencing <= _lastFencing)
                {
                    FencingOutOfOrder++;
                }

                _lastFencing = Math.Max(_lastFencing, fencing);
            }
        }

        public void Stolen()
        {
            lock (_gate)
            {
                DoubleGrants++;
            }
        }

        public void End()
        {
            lock (_gate)
            {
                _live--;
            }
        }
    }

    /// <summary>
    /// Each acquirer, each round: try to acquire; when granted, hold (one round trip's worth of
    /// work), then release by token. A release that finds its lease gone means someone else was
    /// granted it meanwhile: a double grant, even if the two tenures did not overlap in this process.
    /// </summary>
    private static Task RaceAsync(int rounds, Func<int, Task<(long Fencing, Guid Token)?>> acquire, Func<Guid, Task<bool>> release, Func<Task> work, Tenure tenure) =>
        Task.WhenAll(Enumerable.Range(0, Acquirers).Select(a => Task.Run(async () =>
        {
            for (var round = 0; round < rounds; round++)
            {
                if (await acquire(a) is { } granted)
                {
                    tenure.Begin(granted.Fencing);
                    await work();
                    // Leave the tenure before releasing, so the next holder can never overlap this one by accident.
                    tenure.End();
                    if (!await release(granted.Token))
                    {
                        tenure.Stolen();
                    }
                }
            }
        })));

    [Fact]
    public async Task SixtyFourAcquirers_FiveHundredRounds_NeverTwoLiveHolders_FencingStrictlyIncreasing()
    {
        const int rounds = 500;
        var leases = Services.GetRequiredService<LeaseStore>();
        var tenure = new Tenure();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var holders = new System.Collections.Concurrent.ConcurrentDictionary<Guid, Actor>();

        await RaceAsync(
            rounds,
            async a =>
            {
                var actor = new Actor($"user-{a}", $"User {a}");
                if (await leases.AcquireAsync(Key, actor, $"tab-{a}") is not AcquireResult.Granted g)
                {
                    return null;
                }

                holders[g.Lease.Token] = actor;
                return (g.Lease.Fencing, g.Lease.Token);
            },
            async token => holders.TryRemove(token, out var holder) && await leases.ReleaseAsync(Key, token, holder) is LeaseChange.Done,
            () => HoldAsync(),
            tenure);

        output.WriteLine($"{Acquirers} acquirers x {rounds} rounds = {Acquirers * rounds} attempts: {tenure.Grants} grants, {tenure.DoubleGrants} double grants, {tenure.FencingOutOfOrder} fencing numbers out of order, {started.Elapsed.TotalSeconds:F1} s");
        Assert.True(tenure.Grants > 0);
        Assert.Equal(0, tenure.DoubleGrants);
        Assert.Equal(0, tenure.FencingOutOfOrder);
        await using var audited = Services.GetRequiredService<NpgsqlDataSource>().CreateCommand($"SELECT count(*)::int FROM lease_audit WHERE resource_key = '{Key}' AND action = 'granted'");
        Assert.Equal(tenure.Grants, (int)(await audited.ExecuteScalarAsync())!);
    }

    /// <summary>The holder's work while it holds the lease: one round trip to the database.</summary>
    private async Task HoldAsync()
    {
        await using var cmd = Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("SELECT 1");
        await cmd.ExecuteScalarAsync();
    }

    [Fact]
    public async Task NegativeControl_CheckThenInsert_GrantsTwice()
    {
        const int rounds = 50;
        var db = Services.GetRequiredService<NpgsqlDataSource>();
        var tenure = new Tenure();

        // The naive acquire: "is there a live lease?" then write one.
        async Task<(long, Guid)?> NaiveAcquire(int a)
        {
            await using (var check = db.CreateCommand("SELECT 1 FROM leases WHERE resource_key = $1 AND expires_at > now()"))
            {
                check.Parameters.Add(new() { Value = Key });
                if (await check.ExecuteScalarAsync() is not null)
                {
                    return null;
                }
            }

            await using var take = db.CreateCommand("""
                INSERT INTO leases (resource_key, holder_user_id, holder_name, holder_session, token, fencing, acquired_at, renewed_at, expires_at)
                VALUES ($1, $2, $2, $2, gen_random_uuid(), nextval('lease_fencing'), now(), now(), now() + $3)
                ON CONFLICT (resource_key) DO UPDATE SET holder_user_id = excluded.holder_user_id, holder_name = excluded.holder_name,
                    holder_session = excluded.holder_session, token = excluded.token, fencing = excluded.fencing,
                    acquired_at = excluded.acquired_at, renewed_at = excluded.renewed_at, expires_at = excluded.expires_at
                RETURNING fencing, token
                """);
            take.Parameters.Add(new() { Value = Key });
            take.Parameters.Add(new() { Value = $"user-{a}" });
            take.Parameters.Add(new() { Value = TimeSpan.FromSeconds(60), NpgsqlDbType = NpgsqlDbType.Interval });
            await using var reader = await take.ExecuteReaderAsync();
            await reader.ReadAsync();
            return (reader.GetInt64(0), reader.GetGuid(1));
        }

        async Task<bool> NaiveRelease(Guid token)
        {
            await using var release = db.CreateCommand("DELETE FROM leases WHERE resource_key = $1 AND token = $2");
            release.Parameters.Add(new() { Value = Key });
            release.Parameters.Add(new() { Value = token });
            return await release.ExecuteNonQueryAsync() == 1;
        }

        await RaceAsync(rounds, NaiveAcquire, NaiveRelease, () => HoldAsync(), tenure);

        output.WriteLine($"naive: {Acquirers} x {rounds}: {tenure.Grants} grants, {tenure.DoubleGrants} double grants");
        Assert.True(tenure.DoubleGrants > 0, $"expected double grants from check-then-insert, got none in {tenure.Grants} grants");
    }

    /// <summary>
    /// One program's acquire, sent by many tasks at once (a client retrying while its first attempt
    /// is still in flight): every one gets the same lease. The page mode (the same session takes a
    /// fresh lease) is the negative control: it hands out several tokens, all but the last dead.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OneHolderRacingItself_GetsOneLease_ThePageModeHandsOutMany(bool pageMode)
    {
        const int rounds = 20;
        var leases = Services.GetRequiredService<LeaseStore>();
        var alice = new Actor("alice-id", "Alice");
        var roundsWithSeveralTokens = 0;
        for (var round = 0; round < rounds; round++)
        {
            var key = $"product/{5000 + round}";
            var results = await Task.WhenAll(Enumerable.Range(0, Acquirers).Select(_ => Task.Run(() =>
                pageMode ? leases.AcquireAsync(key, alice, "api-key:same") : leases.AcquireOrReturnAsync(key, alice, "api-key:same"))));
            var tokens = results.Select(r => r switch
            {
                AcquireResult.Granted g => g.Lease.Token,
                AcquireResult.AlreadyHeld h => h.Lease.Token,
                _ => Guid.Empty,
            }).Distinct().ToList();
            roundsWithSeveralTokens += tokens.Count > 1 ? 1 : 0;
            if (!pageMode)
            {
                Assert.Single(tokens);
                Assert.Equal(1, results.Count(r => r is AcquireResult.Granted));
            }
        }

        output.WriteLine($"{(pageMode ? "page mode" : "program mode")}: {roundsWithSeveralTokens} of {rounds} rounds of {Acquirers} same-holder acquires handed out more than one token");
        Assert.Equal(pageMode, roundsWithSeveralTokens > 0);
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Products;
using CollabEditor.Data.Changes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Data.Tests;

/// <summary>
/// The write path as the app pool runs it (no reset between uses, prepared statements) under real
/// concurrency: every save is announced once, in position order, with what the change log holds, and
/// the log's times grow with its positions (the pruner goes by time). The announce function builds its
/// payload before the commit-order lock; the negative control shows why the position must not be
/// taken there too.
/// </summary>
public sealed class WritePathRaceTests : DataTest
{
    private const int Writers = 16;
    private const int Rounds = 25;

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>The naive shortcut: position and payload taken before the lock (the payload's work stood for by a short sleep).</summary>
    private const string PositionBeforeTheLock = """
        CREATE OR REPLACE FUNCTION collab_announce(kind text, resource_key text, version bigint, actor text) RETURNS void
        LANGUAGE plpgsql AS $$
        DECLARE
            p bigint := nextval('change_position');
            payload text := json_build_object('kind', kind, 'key', resource_key, 'version', version, 'actor', actor, 'position', p)::text;
        BEGIN
            PERFORM pg_sleep(0.002);
            PERFORM pg_advisory_xact_lock(1131375724, 1);
            INSERT INTO change_log (position, kind, resource_key, version, actor, at)
            VALUES (p, kind, resource_key, version, actor, clock_timestamp());
            PERFORM pg_notify('collab_changes', payload);
        END $$;
        """;

    [Fact]
    public async Task ConcurrentSaves_OnThePool_ArriveOnceEach_InPositionOrder_AsLogged_WithTimesGrowingWithPositions()
    {
        var (start, arrived) = await RaceAsync("POOL");

        var positions = arrived.Select(a => a.Event.Position).ToList();
        Assert.Equal(Enumerable.Range(1, Writers * Rounds).Select(i => start + i), positions);
        var logged = await Services.GetRequiredService<ChangeLog>().ReadAsync(start, start + (Writers * Rounds));
        Assert.Equal(logged, arrived.Select(a => a.Event));
        Assert.All(arrived, a => Assert.Equal("Alice", a.Event.Actor));
        Assert.Equal(arrived.Select(a => a.At).Order(), arrived.Select(a => a.At));
        foreach (var key in arrived.GroupBy(a => a.Event.Key))
        {
            Assert.Equal(Enumerable.Range(2, Rounds).Select(v => (long)v), key.Select(a => a.Event.Version));
        }

        var backwards = await ScalarAsync(
            $"SELECT count(*)::text FROM (SELECT at, lag(at) OVER (ORDER BY position) AS before FROM change_log WHERE position > {start}) t WHERE at < before");
        Assert.Equal("0", backwards);
    }

    [Fact]
    public async Task NegativeControl_APositionTakenBeforeTheLock_ArrivesOutOfOrder()
    {
        var original = await ScalarAsync("SELECT pg_get_functiondef('collab_announce(text,text,bigint,text)'::regprocedure)");
        await ExecuteAsync(PositionBeforeTheLock);
        try
        {
            var (_, arrived) = await RaceAsync("NAIVE");
            var positions = arrived.Select(a => a.Event.Position).ToList();
            Assert.NotEqual(positions.Order(), positions);
        }
        finally
        {
            await ExecuteAsync(original);
        }
    }

    /// <summary>Each writer saves its own product <see cref="Rounds"/> times through the store; returns the log's head before and what arrived, in arrival order.</summary>
    private async Task<(long Start, List<(ChangeEvent Event, long At)> Arrived)> RaceAsync(string prefix)
    {
        var products = new List<ProductSnapshot>();
        for (var w = 0; w < Writers; w++)
        {
            products.Add(await CreateAsync(NewProduct($"{prefix}-{w:00}")));
        }

        var start = await Services.GetRequiredService<ChangeLog>().HeadAsync();
        await using var listening = new NpgsqlConnection(ConnectionString);
        await listening.OpenAsync();
        var payloads = new ConcurrentQueue<string>();
        listening.Notification += (_, e) => payloads.Enqueue(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {ChangeListener.Channel}", listening))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await Task.WhenAll(products.Select(p => Task.Run(async () =>
        {
            var current = p;
            for (var r = 0; r < Rounds; r++)
            {
                var result = await Store.UpdateAsync(current.Id, current.Version, current.Values with { Stock = current.Values.Stock + 1 }, Alice);
                current = Assert.IsType<SaveResult.Saved>(result).Current;
            }
        })));

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (payloads.Count < Writers * Rounds)
            {
                await listening.WaitAsync(timeout.Token);
            }
        }

        var arrived = payloads.Select(x => (JsonSerializer.Deserialize<ChangeEvent>(x, Web)!, JsonDocument.Parse(x).RootElement.TryGetProperty("at", out var at) ? at.GetInt64() : 0L)).ToList();
        return (start, arrived);
    }

    private async Task<string> ScalarAsync(string sql)
    {
        await using var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }
}

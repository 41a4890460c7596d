using System.Threading.Channels;
using CollabEditor.Core.Changes;
using CollabEditor.Data.Changes;
using CollabEditor.Data.Presence;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Data.Tests;

/// <summary>Field-level presence in the database (issue 15): the new columns, the update trigger, idle by the database clock.</summary>
public sealed class PresenceFieldTests : DataTest, IAsyncLifetime
{
    private const string Key = "product/1";
    private const string MarkerKey = "product/marker";
    private readonly Channel<ChangeEvent> _events = Channel.CreateUnbounded<ChangeEvent>();
    private ChangeListener _listener = default!;
    private IDisposable? _subscription;

    private PresenceStore Presence => Services.GetRequiredService<PresenceStore>();

    protected override void ConfigureServices(IServiceCollection services) => services.AddCollabLiveChanges();

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        _subscription = Services.GetRequiredService<ChangeFeed>().Subscribe(e => e.Kind == ChangeKind.Presence && e.Key.Length > 0, async batch =>
        {
            foreach (var e in batch)
            {
                await _events.Writer.WriteAsync(e);
            }
        });
        _listener = Services.GetRequiredService<ChangeListener>();
        await _listener.StartAsync(CancellationToken.None);
        await _listener.Listening.WaitAsync(TimeSpan.FromSeconds(10));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        _subscription?.Dispose();
        await _listener.StopAsync(CancellationToken.None);
        await DisposeAsync();
    }

    private async Task<ChangeEvent> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _events.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>
    /// Writes a marker row on another key and returns the first event heard from then on. Events come
    /// in commit order on one connection, so it is the marker's exactly when nothing was announced in
    /// between — no waiting for a silence.
    /// </summary>
    private async Task<ChangeEvent> NextAfterMarkerAsync()
    {
        await Presence.HeartbeatAsync(Guid.NewGuid(), MarkerKey, Bob);
        return await NextAsync();
    }

    private async Task<PresenceView> RowAsync(Guid id) => Assert.Single(await Presence.ListAsync(Key), r => r.Id == id);

    private async Task ExecuteAsync(string sql)
    {
        await using var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task ChangingFieldOrChangedFields_AnnouncesAnUpdate_WithTheInsertPayload()
    {
        var page = Guid.NewGuid();
        await Presence.HeartbeatAsync(page, Key, Alice);
        var inserted = await NextAsync();
        Assert.Equal(new ChangeEvent(ChangeKind.Presence, Key, 0, "Alice"), inserted with { Position = 0 });

        await Presence.SetFieldsAsync(page, Key, Alice, new PresenceFields("Price", []), edited: false);
        Assert.Equal(inserted, await NextAsync());

        await Presence.SetFieldsAsync(page, Key, Alice, new PresenceFields("Price", ["Price"]), edited: true);
        Assert.Equal(inserted, await NextAsync());

        await Presence.SetFieldsAsync(page, Key, Alice, new PresenceFields(null, ["Price"]), edited: false);
        Assert.Equal(inserted, await NextAsync());

        var row = await RowAsync(page);
        Assert.Equal(((string?)null, "Price", "alice-id", "Alice"), (row.Field, string.Join(",", row.Changing), row.UserId, row.DisplayName));
    }

    [Fact]
    public async Task TheSameFieldsAgain_WithoutAnEdit_AnnouncesNothing()
    {
        var page = Guid.NewGuid();
        await Presence.SetFieldsAsync(page, Key, Alice, new PresenceFields("Price", ["Price"]), edited: true);
        Assert.Equal(Key, (await NextAsync()).Key);

        await Presence.SetFieldsAsync(page, Key, Alice, new PresenceFields("Price", ["Price"]), edited: false);

        Assert.Equal(MarkerKey, (await NextAfterMarkerAsync()).Key);
    }

    [Fact]
    public async Task AHeartbeat_AnnouncesNothing_AndKeepsTheRowsFields()
    {
        var page = Guid.NewGuid();
        await Presence.SetFieldsAsync(page, Key, Alice, new PresenceFields("Price", ["Price"]), edited: true);
        await NextAsync();

        await Presence.HeartbeatAsync(page, Key, Alice, PresenceFields.None);

        Assert.Equal(MarkerKey, (await NextAfterMarkerAsync()).Key);
        var row = await RowAsync(page);
        Assert.Equal(("Price", "Price"), (row.Field, string.Join(",", row.Changing)));
    }

    [Fact]
    public async Task NegativeControl_AnUpdateTriggerWithoutItsCondition_AnnouncesEveryHeartbeat()
    {
        var page = Guid.NewGuid();
        await Presence.HeartbeatAsync(page, Key, Alice);
        await NextAsync();
        await ExecuteAsync("""
            CREATE TRIGGER presence_notify_every_update AFTER UPDATE ON presence
                FOR EACH ROW EXECUTE FUNCTION collab_notify_presence();
            """);
        try
        {
            await Presence.HeartbeatAsync(page, Key, Alice);

            // The marker test sees it: the heartbeat's announcement comes first.
            Assert.Equal(Key, (await NextAfterMarkerAsync()).Key);
        }
        finally
        {
            await ExecuteAsync("DROP TRIGGER presence_notify_every_update ON presence");
        }
    }

    [Fact]
    public async Task SetFields_OnAMissingRow_CreatesItWithKeyAndActor_AndAnnouncesIt()
    {
        var page = Guid.NewGuid();

        await Presence.SetFieldsAsync(page, Key, Bob, new PresenceFields("line-7", ["line-7"]), edited: true);

        Assert.Equal(new ChangeEvent(ChangeKind.Presence, Key, 0, "Bob"), (await NextAsync()) with { Position = 0 });
        var row = await RowAsync(page);
        Assert.Equal(("bob-id", "Bob", "line-7", "line-7", false), (row.UserId, row.DisplayName, row.Field, string.Join(",", row.Changing), row.Idle));
        Assert.NotNull(row.ChangedAt);
    }

    [Fact]
    public async Task AHeartbeat_OnAMissingRow_BringsBackItsFields_IdleUntilItsNextEdit()
    {
        // The row was swept while the database was away; the next beat re-creates it as it was.
        var page = Guid.NewGuid();

        await Presence.HeartbeatAsync(page, Key, Alice, new PresenceFields("Price", ["Price", "Name"]));

        var row = await RowAsync(page);
        // Review finding: a network blip must not revive a lock that had gone idle; the next edit stamps it again.
        Assert.Equal(("Price", "Price,Name", true), (row.Field, string.Join(",", row.Changing), row.Idle));
    }

    [Fact]
    public async Task Idle_IsDecidedByTheDatabaseClock_WithTheTimeLeftUntilIdle()
    {
        // Default FieldLockIdle: 30 s. Last edits are placed on the database clock.
        var stale = Guid.NewGuid();
        var nearly = Guid.NewGuid();
        var fresh = Guid.NewGuid();
        var unchanged = Guid.NewGuid();
        foreach (var page in new[] { stale, nearly, fresh })
        {
            await Presence.SetFieldsAsync(page, Key, Alice, new PresenceFields("Price", ["Price"]), edited: true);
        }

        await Presence.SetFieldsAsync(unchanged, Key, Bob, new PresenceFields("Name", []), edited: false);
        await ExecuteAsync($"""
            UPDATE presence SET changed_at = now() - interval '31 seconds' WHERE id = '{stale}';
            UPDATE presence SET changed_at = now() - interval '29 seconds' WHERE id = '{nearly}';
            """);

        var s = await RowAsync(stale);
        Assert.True(s.Idle);
        Assert.Null(s.IdleIn);

        var n = await RowAsync(nearly);
        Assert.False(n.Idle);
        Assert.InRange(n.IdleIn!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(1));

        var f = await RowAsync(fresh);
        Assert.False(f.Idle);
        Assert.InRange(f.IdleIn!.Value, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));

        var u = await RowAsync(unchanged);
        Assert.True(u.Idle);
        Assert.Null(u.IdleIn);
    }

    [Fact]
    public async Task List_LeavesOutTheAskingPage_AndRowsPastTheTtl()
    {
        var mine = Guid.NewGuid();
        var gone = Guid.NewGuid();
        var bobs = Guid.NewGuid();
        await Presence.SetFieldsAsync(mine, Key, Alice, new PresenceFields("Price", []), edited: false);
        await Presence.SetFieldsAsync(gone, Key, Bob, new PresenceFields("Name", []), edited: false);
        await Presence.SetFieldsAsync(bobs, Key, Bob, new PresenceFields("Stock", []), edited: false);
        await ExecuteAsync($"UPDATE presence SET seen_at = now() - interval '1 hour' WHERE id = '{gone}'");

        var list = await Presence.ListAsync(Key, mine);

        Assert.Equal([bobs], list.Select(r => r.Id));
    }
}

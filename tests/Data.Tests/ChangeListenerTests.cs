using System.Threading.Channels;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Products;
using CollabEditor.Data.Changes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CollabEditor.Data.Tests;

/// <summary>The change feed end to end: triggers, NOTIFY on commit, the LISTEN connection, reconnects.</summary>
public sealed class ChangeListenerTests : DataTest, IAsyncLifetime
{
    private readonly Channel<ChangeEvent> _events = Channel.CreateUnbounded<ChangeEvent>();
    private ChangeListener _listener = default!;
    private IDisposable? _subscription;

    protected override void ConfigureServices(IServiceCollection services) => services.AddCollabLiveChanges();

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        var feed = Services.GetRequiredService<ChangeFeed>();
        _subscription = feed.Subscribe(_ => true, async batch =>
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

    /// <summary>The next event, without its position (tests of positions are in <see cref="ChangeLogTests"/>).</summary>
    private async Task<ChangeEvent> NextAsync(Func<ChangeEvent, bool>? where = null) => (await NextPositionedAsync(where)) with { Position = 0 };

    private async Task<ChangeEvent> NextPositionedAsync(Func<ChangeEvent, bool>? where = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var e = await _events.Reader.ReadAsync(timeout.Token);
            if (where is null || where(e))
            {
                return e;
            }
        }
    }

    private async Task<bool> AnyWithinAsync(TimeSpan window)
    {
        using var timeout = new CancellationTokenSource(window);
        try
        {
            return await _events.Reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        return c;
    }

    [Fact]
    public async Task AppWrites_AnnounceKindKeyVersionAndActor()
    {
        var p = await CreateAsync();
        Assert.Equal(new ChangeEvent(ChangeKind.Created, $"product/{p.Id}", 1, "Alice"), await NextAsync());

        await Store.UpdateAsync(p.Id, 1, p.Values with { Stock = 3 }, Bob);
        Assert.Equal(new ChangeEvent(ChangeKind.Saved, $"product/{p.Id}", 2, "Bob"), await NextAsync());

        await Store.DeleteAsync(p.Id, 2, Bob);
        Assert.Equal(new ChangeEvent(ChangeKind.Deleted, $"product/{p.Id}", 2, "Bob"), await NextAsync());
    }

    [Fact]
    public async Task AnEvent_ArrivesAfterCommit_AndNotBefore()
    {
        var p = await CreateAsync();
        await NextAsync();

        await using var c = await OpenAsync();
        await using var tx = await c.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand($"UPDATE products SET stock = 1, version = version + 1 WHERE id = {p.Id}", c, tx))
        {
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        }

        Assert.False(await AnyWithinAsync(TimeSpan.FromMilliseconds(500)), "an event arrived before the commit");
        await tx.CommitAsync();

        var e = await NextAsync();
        Assert.Equal((ChangeKind.Saved, $"product/{p.Id}", 2L), (e.Kind, e.Key, e.Version));
    }

    [Fact]
    public async Task ARollback_AnnouncesNothing()
    {
        var rolledBack = await CreateAsync(NewProduct("RB-1"));
        var marker = await CreateAsync(NewProduct("MARK-1"));
        await NextAsync();
        await NextAsync();

        await using (var c = await OpenAsync())
        {
            await using var tx = await c.BeginTransactionAsync();
            await using var cmd = new NpgsqlCommand($"UPDATE products SET stock = 1, version = version + 1 WHERE id = {rolledBack.Id}", c, tx);
            await cmd.ExecuteNonQueryAsync();
            await tx.RollbackAsync();
        }

        // A later committed write is the next thing heard: nothing came for the rolled-back one.
        await Store.UpdateAsync(marker.Id, 1, marker.Values with { Stock = 2 }, Bob);
        Assert.Equal($"product/{marker.Id}", (await NextAsync()).Key);
    }

    [Fact]
    public async Task NegativeControl_PublishingFromAppCodeBeforeCommit_AnnouncesARolledBackWrite()
    {
        var p = await CreateAsync();
        await NextAsync();
        var feed = Services.GetRequiredService<ChangeFeed>();

        // The naive way: tell everyone in process, then write, and the write rolls back.
        await using (var c = await OpenAsync())
        {
            await using var tx = await c.BeginTransactionAsync();
            await using var cmd = new NpgsqlCommand($"UPDATE products SET stock = 1, version = version + 1 WHERE id = {p.Id} RETURNING version", c, tx);
            var version = (int)(await cmd.ExecuteScalarAsync())!;
            feed.Publish(new ChangeEvent(ChangeKind.Saved, $"product/{p.Id}", version, "Naive"));
            await tx.RollbackAsync();
        }

        var announced = await NextAsync();
        Assert.Equal(2, announced.Version);
        Assert.Equal(1, (await Store.GetAsync(p.Id))!.Version);
    }

    [Fact]
    public async Task AChangeMadeWithRawSql_AnnouncesItself()
    {
        var p = await CreateAsync();
        await NextAsync();

        await using var c = await OpenAsync();
        await using var cmd = new NpgsqlCommand($"UPDATE products SET stock = 99 WHERE id = {p.Id}", c);
        await cmd.ExecuteNonQueryAsync();

        Assert.Equal(new ChangeEvent(ChangeKind.Saved, $"product/{p.Id}", 1, "another program"), await NextAsync());
    }

    [Fact]
    public async Task Payloads_StaySmall()
    {
        var p = await CreateAsync(NewProduct() with { Name = new string('n', ProductRules.NameMaxLength), Description = new string('d', ProductRules.DescriptionMaxLength) });
        var e = await NextPositionedAsync();
        Assert.True(System.Text.Json.JsonSerializer.Serialize(e).Length < 200);
        Assert.Equal($"product/{p.Id}", e.Key);
    }
}

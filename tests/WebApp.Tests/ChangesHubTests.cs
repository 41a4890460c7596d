using System.Net;
using System.Threading.Channels;
using CollabEditor.Core.Changes;
using CollabEditor.Core.Users;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Changes;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.WebApp.Tests;

public sealed class ChangesHubTests(AppHost host) : IClassFixture<AppHost>
{
    private static readonly Actor Bob = new("bob-id", "Bob");

    private HubConnection Connect(CookieContainer? cookies) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, ChangesHub.Path), o =>
            {
                if (cookies is not null)
                {
                    o.Cookies = cookies;
                }
            })
            .Build();

    [Fact]
    public async Task SignedInClient_JoinedToProducts_ReceivesAVersionEventWhenBobSaves()
    {
        await using var alice = Connect(await SignIn.CookiesAsync(host.BaseAddress, "alice"));
        await AssertReceivesBobsSaveAsync(alice);
    }

    [Fact]
    public async Task MessagePackClient_ReceivesTheSameEvent()
    {
        var cookies = await SignIn.CookiesAsync(host.BaseAddress, "alice");
        var builder = new HubConnectionBuilder().WithUrl(new Uri(host.BaseAddress, ChangesHub.Path), o => o.Cookies = cookies);
        builder.AddMessagePackProtocol();
        await using var alice = builder.Build();
        await AssertReceivesBobsSaveAsync(alice);
    }

    /// <summary>Joins <c>products</c>, lets Bob save one, and expects the event with the new version and Bob's name.</summary>
    private async Task AssertReceivesBobsSaveAsync(HubConnection client)
    {
        var events = Channel.CreateUnbounded<ChangeEvent>();
        client.On<ChangeEvent>(nameof(IChangeClient.Changed), e => events.Writer.TryWrite(e));
        await client.StartAsync();
        await client.InvokeAsync(nameof(ChangesHub.JoinCollection), "products");

        var store = host.Services.GetRequiredService<ProductStore>();
        var p = (await store.ListAsync(new ProductQuery(PageSize: 1))).Items[0];
        await store.UpdateAsync(p.Id, p.Version, p.Values with { Stock = p.Values.Stock + 1 }, Bob);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        ChangeEvent e;
        do
        {
            e = await events.Reader.ReadAsync(timeout.Token);
        }
        while (e.Key != $"product/{p.Id}");
        Assert.Equal(new ChangeEvent(ChangeKind.Saved, $"product/{p.Id}", p.Version + 1, "Bob"), e);
    }

    [Fact]
    public async Task UnauthenticatedConnection_IsRefused()
    {
        await using var anonymous = Connect(null);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
    }

    [Theory]
    [InlineData(nameof(ChangesHub.JoinCollection), "users")]
    [InlineData(nameof(ChangesHub.JoinResource), "secret/1")]
    [InlineData(nameof(ChangesHub.JoinResource), "product/x")]
    public async Task JoiningAGroupNobodyMayRead_IsRefused(string method, string group)
    {
        await using var alice = Connect(await SignIn.CookiesAsync(host.BaseAddress, "alice"));
        await alice.StartAsync();
        var ex = await Assert.ThrowsAsync<HubException>(() => alice.InvokeAsync(method, group));
        Assert.Contains("not a", ex.Message, StringComparison.Ordinal);
    }
}

using System.Net;
using CollabEditor.Core.Changes;
using CollabEditor.Data;
using CollabEditor.Data.Changes;
using CollabEditor.WebApp.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CollabEditor.WebApp.Tests;

public sealed class HealthTests(AppHost host) : IClassFixture<AppHost>
{
    // Nothing listens on port 1: the connection is refused at once.
    private const string Unreachable = "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none;Timeout=3;Pooling=false";

    private static HealthCheckContext ContextFor(IHealthCheck check) =>
        new() { Registration = new HealthCheckRegistration("test", check, HealthStatus.Unhealthy, tags: null) };

    private static ChangeListener NeverStartedListener(string connectionString)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new ChangeLogOptions());
        return new(new CollabConnection(connectionString), new ChangeFeed(TimeProvider.System), new ChangeLog(NpgsqlDataSource.Create(connectionString), options), options, TimeProvider.System, NullLogger<ChangeListener>.Instance);
    }

    [Theory]
    [InlineData(HealthEndpoints.LivePath)]
    [InlineData(HealthEndpoints.ReadyPath)]
    public async Task Health_WhenTheAppIsUp_Is200Healthy_WithoutSigningIn(string path)
    {
        await host.Services.GetRequiredService<ChangeListener>().Listening.WaitAsync(TimeSpan.FromSeconds(10));
        using var anonymous = ApiClient.Anonymous(host.BaseAddress);

        using var response = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ReadyCheck_WhenTheListenerIsNotListening_IsUnhealthy()
    {
        var check = new ChangeListenerHealthCheck(NeverStartedListener(host.ConnectionString));

        var result = await check.CheckHealthAsync(ContextFor(check));

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("not connected", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadyCheck_WhenTheListenerIsListening_IsHealthy()
    {
        var listener = host.Services.GetRequiredService<ChangeListener>();
        await listener.Listening.WaitAsync(TimeSpan.FromSeconds(10));
        var check = new ChangeListenerHealthCheck(listener);

        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(ContextFor(check))).Status);
    }

    [Fact]
    public async Task DatabaseCheck_WhenTheDatabaseAnswers_IsHealthy()
    {
        var check = new DatabaseHealthCheck(host.Services.GetRequiredService<NpgsqlDataSource>());

        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(ContextFor(check))).Status);
    }

    [Fact]
    public async Task DatabaseCheck_WhenTheDatabaseIsUnreachable_IsUnhealthy_WithTheCause()
    {
        await using var unreachable = NpgsqlDataSource.Create(Unreachable);
        var check = new DatabaseHealthCheck(unreachable);

        var result = await check.CheckHealthAsync(ContextFor(check));

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.IsType<NpgsqlException>(result.Exception, exactMatch: false);
    }

    [Fact]
    public async Task Endpoints_WhenTheDependenciesAreDown_LiveIs200_ReadyIs503_AndNoDetailLeaks()
    {
        // The same registrations and mappings as the app, over an unreachable database and a listener that never started.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(Unreachable));
        builder.Services.AddSingleton(NeverStartedListener(Unreachable));
        builder.Services.AddCollabHealthChecks();
        await using var app = builder.Build();
        app.MapCollabHealthChecks();
        await app.StartAsync();
        using var client = app.GetTestClient();

        using var live = await client.GetAsync(HealthEndpoints.LivePath);
        using var ready = await client.GetAsync(HealthEndpoints.ReadyPath);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());
    }
}

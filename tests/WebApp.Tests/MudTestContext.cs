using System.Security.Claims;
using Bunit;
using CollabEditor.Data;
using CollabEditor.Tests;
using CollabEditor.WebApp.Account;
using CollabEditor.WebApp.Editing;
using CollabEditor.WebApp.Leases;
using CollabEditor.WebApp.Localization;
using CollabEditor.WebApp.Presence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace CollabEditor.WebApp.Tests;

/// <summary>
/// The one shared bUnit setup: MudBlazor services with loose JS interop, a signed-in Alice, and the
/// app's data services on a fresh PostgreSQL database.
/// </summary>
public abstract class MudTestContext : BunitContext, IAsyncLifetime
{
    protected MudTestContext()
    {
        // Pages here talk to a real database; a cold first query can take longer than bUnit's default second.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(TimeProvider.System);
        // Loose interop answers the browser-clock call with nothing: times are UTC and invariant unless a test sets them up.
        Services.AddScoped<BrowserTime>();
        var auth = AddAuthorization();
        auth.SetAuthorized("alice");
        auth.SetRoles(Core.Users.Roles.Editor);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "alice-id"), new Claim(DisplayNameClaimsFactory.DisplayNameClaim, "Alice"));
    }

    protected string ConnectionString { get; private set; } = string.Empty;

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync(GetType().Name);
        Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        Services.AddCollabData(ConnectionString);
        Services.AddSingleton<CollabEditor.WebApp.Startup.OpenCircuits>();
        Services.AddScoped<CircuitPresence>();
        Services.AddScoped<CircuitLeases>();
        Services.AddSingleton<Lists.LiveLists>();
        Services.AddCollabEditors();
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

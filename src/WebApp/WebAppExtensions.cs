using CollabEditor.Data;
using CollabEditor.Data.Users;
using CollabEditor.WebApp.Account;
using CollabEditor.WebApp.Changes;
using CollabEditor.WebApp.Leases;
using CollabEditor.WebApp.Presence;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.DataProtection;
using CollabEditor.WebApp.Components;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using MudBlazor.Services;

namespace CollabEditor.WebApp;

/// <summary>Registers and maps everything the web app adds on top of the data layer.</summary>
public static class WebAppExtensions
{
    /// <summary>Blazor, MudBlazor, Identity with cookie sign-in, and authorization (signed-in users only by default).</summary>
    public static WebApplicationBuilder AddCollabWebApp(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddSignalR();
        services.AddMudServices();
        services.AddSingleton(TimeProvider.System);
        services.AddCollabLiveChanges();
        services.AddHostedService<HubBroadcaster>();
        services.AddScoped<CircuitPresence>();
        services.AddScoped<CircuitHandler>(sp => sp.GetRequiredService<CircuitPresence>());
        services.AddScoped<CircuitLeases>();
        services.AddScoped<CircuitHandler>(sp => sp.GetRequiredService<CircuitLeases>());

        // One key ring in the database: a cookie issued by one instance is read by every other.
        services.AddDataProtection().SetApplicationName("CollabEditor").PersistKeysToDbContext<CollabDbContext>();

        services.AddCascadingAuthenticationState();
        services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/login";
            o.SlidingExpiration = true;
            // Programs (the hub, later the API) get 401/403, not a redirect to a page.
            o.Events.OnRedirectToLogin = ctx => RedirectOrStatus(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => RedirectOrStatus(ctx, StatusCodes.Status403Forbidden);
        });
        services.AddIdentityCore<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = false;
                o.Lockout.MaxFailedAccessAttempts = 10;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<CollabDbContext>()
            .AddSignInManager()
            .AddClaimsPrincipalFactory<DisplayNameClaimsFactory>()
            .AddDefaultTokenProviders();

        // Every page, hub and endpoint needs a signed-in user unless it says [AllowAnonymous].
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }

    /// <summary>The request pipeline and endpoints.</summary>
    public static WebApplication UseCollabWebApp(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapAccountEndpoints();
        app.MapHub<ChangesHub>(ChangesHub.Path);
        return app;
    }

    private static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/hubs") || context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }
}

using CollabEditor.Data;
using CollabEditor.Data.Users;
using CollabEditor.WebApp.Account;
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
        services.AddMudServices();
        services.AddSingleton(TimeProvider.System);

        services.AddCascadingAuthenticationState();
        services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/login";
            o.SlidingExpiration = true;
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
        return app;
    }
}

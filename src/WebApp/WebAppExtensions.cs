using CollabEditor.WebApp.Editing;
using CollabEditor.Data;
using CollabEditor.Data.Resilience;
using CollabEditor.Data.Users;
using CollabEditor.Core.Users;
using CollabEditor.WebApp.Account;
using CollabEditor.WebApp.Api;
using CollabEditor.WebApp.Changes;
using CollabEditor.WebApp.Leases;
using CollabEditor.WebApp.Localization;
using CollabEditor.WebApp.Operations;
using CollabEditor.WebApp.Presence;
using CollabEditor.WebApp.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.DataProtection;
using CollabEditor.WebApp.Components;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;
using CollabEditor.WebApp.Components.Layout;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor;
using MudBlazor.Services;

namespace CollabEditor.WebApp;

/// <summary>Registers and maps everything the web app adds on top of the data layer.</summary>
public static class WebAppExtensions
{
    /// <summary>What a 503 tells a client to wait before retrying: the retry budget (about 12 s) has just been spent, so a few seconds more.</summary>
    public const int DatabaseUnavailableRetryAfterSeconds = 5;

    /// <summary>MudBlazor's services with the app's options: providers placed per page, one snackbar at a time.</summary>
    public static IServiceCollection AddCollabMudServices(this IServiceCollection services)
    {
        services.AddMudServices(o =>
        {
            o.PopoverOptions.ThrowOnDuplicateProvider = false;
            ConfigureSnackbars(o.SnackbarConfiguration);
        });
        services.Replace(ServiceDescriptor.Scoped<ISnackbar>(sp => new LatestSnackbar(ActivatorUtilities.CreateInstance<SnackbarService>(sp))));
        return services;
    }

    /// <summary>
    /// One message at a time, the newest: a "Saved version 5." must not sit beside (or queue in front of) the
    /// next message, and none may cover a dialog's buttons, which sit bottom-right.
    /// </summary>
    public static void ConfigureSnackbars(SnackbarConfiguration snackbars)
    {
        ArgumentNullException.ThrowIfNull(snackbars);
        snackbars.MaxDisplayedSnackbars = 1;
        snackbars.PreventDuplicates = true;
        snackbars.NewestOnTop = true;
        snackbars.PositionClass = MudBlazor.Defaults.Classes.Position.BottomLeft;
    }

    /// <summary>Blazor, MudBlazor, Identity with cookie sign-in, and authorization (signed-in users only by default).</summary>
    public static WebApplicationBuilder AddCollabWebApp(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        // Limits per Microsoft's threat-mitigation guidance for interactive server rendering: every
        // circuit is server memory a client can hold on to, so each bound below is chosen, not inherited.
        services.AddRazorComponents()
            .AddInteractiveServerComponents(o =>
            {
                // = the 60 s lease TTL: renewals pause while a tab is disconnected, so its check-out lapses within one TTL anyway;
                // ending the circuit then (OnCircuitClosed) releases whatever it still holds instead of keeping memory for a lease that is gone.
                o.DisconnectedCircuitRetentionPeriod = TimeSpan.FromSeconds(60);
                // Caps the memory held for vanished tabs per instance; past it, older ones are evicted (their leases released).
                o.DisconnectedCircuitMaxRetained = 100;
                // Our .NET→JS calls are MudBlazor UI calls that answer in milliseconds; a client that never answers holds a component for at most 30 s.
                o.JSInteropDefaultCallTimeout = TimeSpan.FromSeconds(30);
                // Bounds the render output buffered for a client that stops acknowledging; live updates are coalesced, so 10 is plenty.
                o.MaxBufferedUnacknowledgedRenderBatches = 10;
                // Exception text in the browser only on a developer's machine: it can leak internals.
                o.DetailedErrors = builder.Environment.IsDevelopment();
            })
            .AddHubOptions(o =>
            {
                // 32 KB: the largest legitimate message is one input event of a 4000-character description; nothing uploads through the circuit.
                o.MaximumReceiveMessageSize = 32 * 1024;
                // Twice the browser's 15 s keep-alive (Microsoft's rule): a dead tab is noticed within 30 s and stops renewing its leases.
                o.ClientTimeoutInterval = TimeSpan.FromSeconds(30);
                // A socket that never completes the handshake is dropped after 10 s instead of being held open.
                o.HandshakeTimeout = TimeSpan.FromSeconds(10);
                // One event at a time per circuit: Blazor runs them on one dispatcher anyway, and values above 1 are unsupported for Blazor (JS interop, uploads).
                o.MaximumParallelInvocationsPerClient = 1;
            });
        // /hubs/changes only (per-hub options, so the Blazor hub's limits above are not lowered with them).
        // JSON and MessagePack for /hubs/changes: a program subscribing to many changes can take the compact
        // binary protocol (less to send and far less to parse); Blazor's own hub keeps its own protocol.
        services.AddSignalR().AddMessagePackProtocol().AddHubOptions<ChangesHub>(o =>
        {
            // Clients only send group names ("products", "product/12"): 1 KB is ten times the largest invocation.
            o.MaximumReceiveMessageSize = 1024;
            // Twice the SignalR clients' default 15 s keep-alive, so idle but live programs stay connected.
            o.ClientTimeoutInterval = TimeSpan.FromSeconds(30);
            // A connection that never completes the handshake is dropped after 10 s.
            o.HandshakeTimeout = TimeSpan.FromSeconds(10);
            // Join/leave are quick group operations; one at a time per connection stops a client from queueing work in parallel.
            o.MaximumParallelInvocationsPerClient = 1;
        });
        // Providers are placed once per page by PageProviders, so MudBlazor's duplicate check (a JS round
        // trip per page that also costs every circuit serializer metadata) has nothing to find.
        services.AddCollabMudServices();
        services.AddSingleton(TimeProvider.System);
        services.AddCollabLiveChanges();
        // The hub's lifetime manager is SignalR's default one that also lends the broadcaster its connections.
        services.AddSingleton<ChangesHubConnections>();
        services.AddSingleton<HubLifetimeManager<ChangesHub>>(sp => sp.GetRequiredService<ChangesHubConnections>());
        services.AddSingleton<HubBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<HubBroadcaster>());
        // One shared read per burst of changes for all the instance's open lists.
        services.AddSingleton<Lists.LiveLists>();
        services.AddScoped<CircuitPresence>();
        services.AddScoped<CircuitHandler>(sp => sp.GetRequiredService<CircuitPresence>());
        services.AddScoped<CircuitLeases>();
        services.AddScoped<CircuitHandler>(sp => sp.GetRequiredService<CircuitLeases>());
        services.AddScoped<BrowserTime>();
        services.AddSingleton<UserAccounts>();
        services.AddCollabEditors();

        // One key ring in the database: a cookie issued by one instance is read by every other.
        // Encrypted at rest with the configured certificate (KeyRingProtection).
        services.AddDataProtection().SetApplicationName("CollabEditor").PersistKeysToDbContext<CollabDbContext>()
            .ProtectKeysWithConfiguredCertificate(builder.Configuration);
        services.AddCollabForwardedHeaders(builder.Configuration);
        services.AddCollabSignInSecurity();

        services.AddCascadingAuthenticationState();
        var authentication = services.AddAuthentication(IdentityConstants.ApplicationScheme);
        // Programs sign in for a bearer token (POST /api/auth/token); pages use the cookie.
        // Short-lived, checked against the account on every request, renewed at /api/auth/refresh (AddCollabSessions).
        authentication.AddBearerToken(IdentityConstants.BearerScheme);
        authentication.AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/access-denied";
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
        services.AddCollabSessions();

        // A signed-in user without a page's role is told so at that address (403), not sent to sign in again.
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, PageAccessDenied>();
        // Every page, hub and endpoint needs a signed-in user unless it says [AllowAnonymous].
        services.AddAuthorizationBuilder()
            // Both schemes, so a program's valid bearer token is honoured on any route (a 404 or 405 must not become a 401).
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(IdentityConstants.ApplicationScheme, IdentityConstants.BearerScheme).RequireAuthenticatedUser().Build())
            .AddPolicy(ApiEndpoints.EditorPolicy, p => p
                .AddAuthenticationSchemes(IdentityConstants.BearerScheme, IdentityConstants.ApplicationScheme)
                .RequireRole(Roles.Editor, Roles.Admin))
            .AddPolicy(ApiEndpoints.AdminPolicy, p => p
                .AddAuthenticationSchemes(IdentityConstants.BearerScheme, IdentityConstants.ApplicationScheme)
                .RequireRole(Roles.Admin));

        // Errors are problem details (RFC 9457); a malformed request is a 400 that says what was wrong.
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            if (ctx.Exception is BadHttpRequestException bad)
            {
                ctx.ProblemDetails.Status = bad.StatusCode;
                ctx.ProblemDetails.Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Malformed request";
                ctx.ProblemDetails.Detail = bad.InnerException is { } inner ? $"{bad.Message} {inner.Message}" : bad.Message;
                if (bad.StatusCode == StatusCodes.Status415UnsupportedMediaType)
                {
                    // No Content-Type at all: say which one the API reads.
                    ctx.ProblemDetails.Title = "Unsupported media type";
                    ctx.ProblemDetails.Detail += " Send the body as application/json.";
                }
            }
            else if (ctx.Exception is { } ex && TransientRetry.IsTransient(ex))
            {
                // The database stayed unreachable for the whole retry budget: a 503 the client may retry, not a 500.
                ctx.ProblemDetails.Status = StatusCodes.Status503ServiceUnavailable;
                ctx.ProblemDetails.Title = "Database unavailable";
                ctx.ProblemDetails.Detail = $"The database could not be reached; try again in {DatabaseUnavailableRetryAfterSeconds} seconds. "
                    + "A write that was cut off may or may not have been saved: retry it with the same If-Match, and a 412 will show what is saved now.";
                ctx.HttpContext.Response.Headers.RetryAfter = DatabaseUnavailableRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        });
        // Malformed requests throw in every environment, so the handler below can say what was wrong.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi();
        services.AddCollabHealthChecks();
        services.AddCollabTelemetry(builder.Configuration);
        return builder;
    }

    /// <summary>The request pipeline and endpoints.</summary>
    public static WebApplication UseCollabWebApp(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        KeyRingProtection.WarnIfUnprotected(app.Environment, app.Configuration, app.Services.GetRequiredService<SecurityLog>());
        // First: the client's scheme and address from a configured proxy, before anything reads them.
        app.UseForwardedHeaders();
        app.UseCollabSecurityHeaders();
        // Unhandled exceptions become problem details; malformed requests keep their 4xx status.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = ex => ex switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                _ when TransientRetry.IsTransient(ex) => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
        });
        app.UseStatusCodePages();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.UseAuthentication();
        app.UseAuthorization();
        // After authorization: an anonymous caller learns it must sign in (401) before anything about its body.
        app.UseMiddleware<ApiContentTypeCheck>();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapAccountEndpoints();
        // The hub's [Authorize] names no scheme (so only the cookie counted): programs sign in with bearer tokens, so both are honoured, as on the API.
        app.MapHub<ChangesHub>(ChangesHub.Path)
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = $"{IdentityConstants.ApplicationScheme},{IdentityConstants.BearerScheme}" });
        app.MapCollabApi();
        app.MapOpenApi().AllowAnonymous();
        app.MapCollabHealthChecks();
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

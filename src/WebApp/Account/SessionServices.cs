using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CollabEditor.WebApp.Account;

/// <summary>Revocation: every session (cookie, bearer token, circuit, hub connection) is checked against its account as it is now.</summary>
public static class SessionServices
{
    /// <summary>Call after Identity is registered (it replaces Identity's 30-minute stamp validator).</summary>
    public static IServiceCollection AddCollabSessions(this IServiceCollection services)
    {
        services.AddOptions<SessionOptions>().BindConfiguration("Sessions").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AccountCheck>();
        services.AddHostedService(sp => sp.GetRequiredService<AccountCheck>());
        services.Replace(ServiceDescriptor.Scoped<ISecurityStampValidator, SessionStampValidator>());
        services.AddScoped<CircuitAccount>();
        services.AddScoped<AuthenticationStateProvider>(sp => sp.GetRequiredService<CircuitAccount>());
        services.AddScoped<CircuitHandler, CircuitAccountGuard>();
        services.AddOptions<BearerTokenOptions>(IdentityConstants.BearerScheme).Configure<IOptions<SessionOptions>>((bearer, sessions) =>
        {
            bearer.BearerTokenExpiration = sessions.Value.AccessTokenLifetime;
            bearer.RefreshTokenExpiration = sessions.Value.RefreshTokenLifetime;
            bearer.Events.OnMessageReceived = BearerTokenCheck.OnMessageReceivedAsync;
        });
        return services;
    }
}

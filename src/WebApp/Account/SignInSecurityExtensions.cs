namespace CollabEditor.WebApp.Account;

/// <summary>Registers the sign-in check, its rate limits and the security log.</summary>
public static class SignInSecurityExtensions
{
    public static IServiceCollection AddCollabSignInSecurity(this IServiceCollection services)
    {
        services.AddOptions<SignInLimitOptions>().BindConfiguration(SignInLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SignInLimiter>();
        services.AddSingleton<SecurityLog>();
        services.AddScoped<PasswordSignIn>();
        return services;
    }
}

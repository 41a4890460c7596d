namespace CollabEditor.WebApp.Startup;

/// <summary>Shutdown (stub).</summary>
public static class CollabShutdown
{
    public static IServiceCollection AddCollabShutdown(this IServiceCollection services) => services;
}

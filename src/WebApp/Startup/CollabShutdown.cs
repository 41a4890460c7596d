namespace CollabEditor.WebApp.Startup;

/// <summary>
/// A stop within <c>docker stop</c>'s 10 s with pages open. When the host stops, SignalR closes every
/// connection and each browser reconnects at once, to this same instance; Kestrel then waited for
/// those new connections for the whole shutdown timeout (30 s, measured). So while stopping, circuit
/// and hub connections are refused (the browser retries elsewhere or later), what the open circuits
/// hold is released, and the host gets a shutdown timeout below docker's.
/// </summary>
public static class CollabShutdown
{
    /// <summary>The host's own limit for stopping: under docker stop's 10 s, leaving time to dispose.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(8);

    private static readonly PathString[] ConnectionPaths = ["/_blazor", "/hubs"];

    /// <summary>The circuit registry, the release on stop and the shutdown timeout.</summary>
    public static IServiceCollection AddCollabShutdown(this IServiceCollection services)
    {
        services.AddSingleton<OpenCircuits>();
        services.AddHostedService<ReleaseOnStop>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        return services;
    }

    /// <summary>Refuses new circuit and hub connections (and reconnects) once the instance is stopping.</summary>
    public static IApplicationBuilder UseCollabShutdown(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var stopping = app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        return app.Use((context, next) =>
        {
            if (stopping.IsCancellationRequested && Array.Exists(ConnectionPaths, p => context.Request.Path.StartsWithSegments(p)))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.Connection = "close";
                return Task.CompletedTask;
            }

            return next(context);
        });
    }

    /// <summary>Releases the open circuits' presence and check-outs when the host stops (before the database goes).</summary>
    private sealed class ReleaseOnStop(OpenCircuits circuits) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => circuits.ReleaseAllAsync(cancellationToken);
    }
}

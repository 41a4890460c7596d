using CollabEditor.WebApp;
using CollabEditor.WebApp.Cli;
using CollabEditor.WebApp.Startup;

// Operator verbs (`users …`, `migrate`) run and exit instead of starting the web app.
if (CollabCli.Handles(args))
{
    return await CollabCli.RunAsync(args);
}

try
{
    var builder = WebApplication.CreateBuilder(args);
    await builder.AddCollabAsync();
    await using var app = builder.Build();
    await app.PrepareCollabAsync();
    app.UseCollabShutdown();
    app.UseCollabWebApp();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (StartupFailure.Handles(ex))
{
    return await StartupFailure.ReportAsync(ex);
}

/// <summary>The web app's entry point (public for WebApplicationFactory in the tests).</summary>
public partial class Program;

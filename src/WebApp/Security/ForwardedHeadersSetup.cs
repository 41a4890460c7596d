using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace CollabEditor.WebApp.Security;

/// <summary>
/// X-Forwarded-For and X-Forwarded-Proto from the proxies named in configuration ("ForwardedHeaders":
/// KnownProxies, KnownNetworks, ForwardLimit), so behind a TLS proxy redirects stay https, cookies are
/// Secure and the client's address is the real one. From any other address the headers are ignored.
/// </summary>
public static class ForwardedHeadersSetup
{
    public const string Section = "ForwardedHeaders";

    public static IServiceCollection AddCollabForwardedHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        services.AddOptions<ForwardedHeadersOptions>().Configure(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            var proxies = section.GetSection("KnownProxies").Get<string[]>() ?? [];
            var networks = section.GetSection("KnownNetworks").Get<string[]>() ?? [];
            if (proxies.Length + networks.Length > 0)
            {
                // Configured proxies replace the framework's default (loopback only).
                o.KnownProxies.Clear();
                o.KnownIPNetworks.Clear();
            }

            foreach (var proxy in proxies)
            {
                o.KnownProxies.Add(IPAddress.TryParse(proxy, out var address)
                    ? address
                    : throw Invalid($"{Section}:KnownProxies: '{proxy}' is not an IP address (e.g. 10.0.0.5)."));
            }

            foreach (var network in networks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var parsed)
                    ? parsed
                    : throw Invalid($"{Section}:KnownNetworks: '{network}' is not a network in CIDR form (e.g. 10.0.0.0/24)."));
            }

            if (section["ForwardLimit"] is { Length: > 0 } limit)
            {
                o.ForwardLimit = int.TryParse(limit, out var hops) && hops is >= 1 and <= 10
                    ? hops
                    : throw Invalid($"{Section}:ForwardLimit must be a whole number from 1 to 10 (the proxies in front of the app), not '{limit}'.");
            }
        });
        return services;
    }

    private static OptionsValidationException Invalid(string message) =>
        new(Options.DefaultName, typeof(ForwardedHeadersOptions), [message]);
}

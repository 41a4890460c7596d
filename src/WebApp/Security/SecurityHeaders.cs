using System.Security.Cryptography;

namespace CollabEditor.WebApp.Security;

/// <summary>
/// Security headers on every response, errors included: no MIME sniffing, no referrer, no framing, and a
/// Content-Security-Policy that Blazor Server and MudBlazor work under (the browser tests fail on any violation).
/// </summary>
public static class SecurityHeaders
{
    private static readonly object NonceKey = new();

    /// <summary>
    /// Scripts only from this origin, plus the inline import map Blazor writes (by a per-request nonce); styles
    /// also inline (MudBlazor sets style attributes and writes its theme as a style element); the circuit's
    /// WebSocket and every fetch to this origin only. Blazor Server needs no eval.
    /// </summary>
    public static string ContentSecurityPolicy(string nonce) =>
        "default-src 'self'; "
        + $"script-src 'self' 'nonce-{nonce}'; "
        + "style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data:; "
        + "font-src 'self' data:; "
        + "connect-src 'self'; "
        + "object-src 'none'; "
        + "base-uri 'self'; "
        + "form-action 'self'; "
        + "frame-ancestors 'none'";

    /// <summary>First in the pipeline; the headers are added as the response starts, so an error page that cleared the response has them too.</summary>
    public static IApplicationBuilder UseCollabSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        // Hex: nothing an HTML encoder rewrites (base64's + and / came out as &#x2B; in the page), still a valid CSP nonce.
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = ContentSecurityPolicy(nonce);
            return Task.CompletedTask;
        });
        return next(context);
    });

    /// <summary>This request's CSP nonce, for an inline script the app writes itself (Blazor's import map).</summary>
    public static string? CspNonce(this HttpContext? context) => context?.Items[NonceKey] as string;
}

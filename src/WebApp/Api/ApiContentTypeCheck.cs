using System.Text;
using Microsoft.Net.Http.Headers;

namespace CollabEditor.WebApp.Api;

/// <summary>
/// Answers 415 with a problem body when an API request declares a charset that is not UTF-8 (or
/// no encoding at all), instead of letting the JSON reader fail with a server error.
/// </summary>
public sealed class ApiContentTypeCheck(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(problems);
        if (context.Request.Path.StartsWithSegments("/api") && context.Request.ContentType is { Length: > 0 } contentType
            && MediaTypeHeaderValue.TryParse(contentType, out var mediaType) && mediaType.Charset.HasValue)
        {
            if (!IsUtf8(mediaType.Charset.Value))
            {
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status415UnsupportedMediaType,
                        Title = "Unsupported charset",
                        Detail = $"The API reads JSON in UTF-8; charset '{mediaType.Charset.Value}' is not supported.",
                    },
                });
                return;
            }

            if (mediaType.Charset.Value.StartsWith('"'))
            {
                // charset="utf-8" is allowed (RFC 9110 quoted-string); the JSON reader takes only the bare token.
                mediaType.Charset = "utf-8";
                context.Request.ContentType = mediaType.ToString();
            }
        }

        await next(context);
    }

    private static bool IsUtf8(string? charset)
    {
        try
        {
            return charset is not null && Encoding.GetEncoding(charset.Trim('"')).CodePage == Encoding.UTF8.CodePage;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (NotSupportedException)
        {
            // UTF-7 and friends are named but not available: not UTF-8 either way.
            return false;
        }
    }
}

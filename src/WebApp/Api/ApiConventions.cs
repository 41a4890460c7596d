using System.Globalization;
using CollabEditor.Core.Leases;
using CollabEditor.Core.Validation;
using Microsoft.Net.Http.Headers;

namespace CollabEditor.WebApp.Api;

/// <summary>
/// HTTP conventions shared by the API: ETags are versions (RFC 9110), writes require If-Match
/// (428, RFC 6585), a lease held by someone else is 423 (RFC 4918), errors are problem details (RFC 9457).
/// </summary>
public static class ApiConventions
{
    /// <summary>The header a lease holder sends its token in, to write under its lease.</summary>
    public const string LeaseTokenHeader = "Lease-Token";

    /// <summary>The largest request body the API reads.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    private static readonly string[] Methods = [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete];

    /// <summary>
    /// Answers every other method on <paramref name="pattern"/> with 405, an <c>Allow</c> header and a
    /// problem body. Routing would do this itself, but a GET-only fallback (the static files') also
    /// matches every path, so a GET would fall through to it and end as 404, and its GET would be in Allow.
    /// </summary>
    public static void MapMethodNotAllowed(this RouteGroupBuilder group, string pattern, params string[] allowed)
    {
        ArgumentNullException.ThrowIfNull(group);
        var allow = string.Join(", ", allowed);
        group.MapMethods(pattern, Methods.Except(allowed), (HttpContext http) =>
        {
            http.Response.Headers.Allow = allow;
            return TypedResults.Problem(statusCode: StatusCodes.Status405MethodNotAllowed, title: "Method not allowed",
                detail: $"{http.Request.Method} is not offered here; this resource allows {allow}.");
        }).ExcludeFromDescription();
    }

    public static string ETagFor(int version) => string.Create(CultureInfo.InvariantCulture, $"\"{version}\"");

    /// <summary>
    /// What If-Match (or If-None-Match) asks for: absent, any (<c>*</c>, alone), a set of versions, or
    /// something unparsable (an empty list such as <c>,</c>, <c>*</c> among tags, a tag that is not ours).
    /// <see cref="Weak"/>: one of the tags was weak (<c>W/"7"</c>).
    /// </summary>
    public sealed record Precondition(bool Present, bool Any, IReadOnlyList<int> Versions, bool Malformed, bool Weak = false);

    public static Precondition IfMatch(HttpRequest request) => Parse(request, HeaderNames.IfMatch);

    public static Precondition IfNoneMatch(HttpRequest request) => Parse(request, HeaderNames.IfNoneMatch);

    private static Precondition Parse(HttpRequest request, string header)
    {
        var values = request.Headers[header];
        if (values.Count == 0 || values.All(string.IsNullOrWhiteSpace))
        {
            return new(false, false, [], false);
        }

        var entries = values.SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (entries.Count == 0)
        {
            // "," or ", ,": a list with nothing in it.
            return new(true, false, [], true);
        }

        if (entries.Contains("*"))
        {
            // "*" stands alone (RFC 9110: If-Match = "*" / #entity-tag).
            return entries.Count == 1 ? new(true, true, [], false) : new(true, false, [], true);
        }

        var versions = new List<int>();
        var weak = false;
        foreach (var raw in entries)
        {
            var isWeak = raw.StartsWith("W/", StringComparison.Ordinal);
            weak |= isWeak;
            var tag = isWeak ? raw[2..] : raw;
            if (tag.Length < 3 || tag[0] != '"' || tag[^1] != '"' || !int.TryParse(tag.AsSpan(1, tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
            {
                return new(true, false, [], true);
            }

            versions.Add(v);
        }

        return new(true, false, versions, false, weak);
    }

    /// <summary>The version an If-Match names for a write, or the problem to answer with.</summary>
    public static (int? Version, IResult? Problem) ExpectedVersion(HttpRequest request)
    {
        var ifMatch = IfMatch(request);
        if (!ifMatch.Present)
        {
            return (null, TypedResults.Problem(
                statusCode: StatusCodes.Status428PreconditionRequired,
                title: "Precondition required",
                detail: "Send If-Match with the ETag you last read (for example \"7\"), so a stale write cannot overwrite someone else's change."));
        }

        if (ifMatch.Malformed || ifMatch.Versions.Count > 1)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad If-Match",
                detail: "If-Match must be one ETag as returned by GET (for example \"7\")."));
        }

        if (ifMatch.Any)
        {
            // A blind overwrite of whatever is saved now: the lost update this API exists to prevent.
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status428PreconditionRequired, title: "Precondition required",
                detail: "If-Match: * would overwrite whatever is saved now, unseen. Send the ETag you read (for example \"7\")."));
        }

        if (ifMatch.Weak)
        {
            // Writes compare strongly (RFC 9110 13.1.1): a weak tag never matches.
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Precondition failed",
                detail: "A weak ETag (W/\"7\") never matches a write: send the ETag as GET returned it."));
        }

        return (ifMatch.Versions[0], null);
    }

    /// <summary>
    /// Everything a write checks before touching the store: If-Match (required: one strong ETag; not
    /// <c>*</c>) and an optional Lease-Token. Returns the problem to answer with, if any.
    /// </summary>
    public static (int Expected, Guid? Token, IResult? Problem) WritePreconditions(HttpRequest request)
    {
        var (expected, problem) = ExpectedVersion(request);
        if (problem is not null)
        {
            return (0, null, problem);
        }

        var (token, tokenProblem) = LeaseToken(request);
        return (expected!.Value, token, tokenProblem);
    }

    /// <summary>The lease token from the Lease-Token header: null when absent, a problem when unreadable.</summary>
    public static (Guid? Token, IResult? Problem) LeaseToken(HttpRequest request)
    {
        var raw = request.Headers[LeaseTokenHeader].ToString();
        if (string.IsNullOrWhiteSpace(raw))
        {
            return (null, null);
        }

        return Guid.TryParse(raw, out var token)
            ? (token, null)
            : (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad lease token", detail: $"{LeaseTokenHeader} must be the token returned when the lease was acquired."));
    }

    public static IResult Validation(IEnumerable<FieldError> errors) =>
        TypedResults.ValidationProblem(
            errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
            title: "The request breaks these rules; nothing was changed.");

    public static IResult Locked(LeaseHolder holder) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status423Locked,
            title: "Locked",
            detail: $"Checked out by {holder.HolderName} until {holder.ExpiresAt:u}.",
            extensions: new Dictionary<string, object?> { ["holder"] = holder.HolderName, ["expiresAt"] = holder.ExpiresAt });

    /// <summary>403: the Lease-Token names another user's live lease (a token works only for its holder).</summary>
    public static IResult NotHolder(LeaseHolder holder) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "Not your check-out",
            detail: holder.BelongsToMessage,
            extensions: new Dictionary<string, object?> { ["holder"] = holder.HolderName, ["expiresAt"] = holder.ExpiresAt });

    public static IResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"{what} does not exist (it may have been deleted).");

    /// <summary>412 with what is there now, so the client can merge and retry with the new ETag.</summary>
    public static IResult Stale<T>(T current, int version) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status412PreconditionFailed,
            title: "Precondition failed",
            detail: $"Someone else saved version {version} first. Nothing was changed; merge with the current representation and retry with its ETag.",
            extensions: new Dictionary<string, object?> { ["current"] = current, ["etag"] = ETagFor(version) });
}

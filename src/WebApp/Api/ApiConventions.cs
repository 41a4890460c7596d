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

    public static string ETagFor(int version) => string.Create(CultureInfo.InvariantCulture, $"\"{version}\"");

    /// <summary>What If-Match asks for: absent, any (<c>*</c>), a set of versions, or something unparsable.</summary>
    public sealed record Precondition(bool Present, bool Any, IReadOnlyList<int> Versions, bool Malformed);

    public static Precondition IfMatch(HttpRequest request) => Parse(request, HeaderNames.IfMatch);

    public static Precondition IfNoneMatch(HttpRequest request) => Parse(request, HeaderNames.IfNoneMatch);

    private static Precondition Parse(HttpRequest request, string header)
    {
        var values = request.Headers[header];
        if (values.Count == 0 || values.All(string.IsNullOrWhiteSpace))
        {
            return new(false, false, [], false);
        }

        var versions = new List<int>();
        foreach (var raw in values.SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (raw == "*")
            {
                return new(true, true, [], false);
            }

            // Weak validators compare weakly for If-None-Match; our versions are strong either way.
            var tag = raw.StartsWith("W/", StringComparison.Ordinal) ? raw[2..] : raw;
            if (tag.Length < 3 || tag[0] != '"' || tag[^1] != '"' || !int.TryParse(tag.AsSpan(1, tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
            {
                return new(true, false, [], true);
            }

            versions.Add(v);
        }

        return new(true, false, versions, false);
    }

    /// <summary>The version an If-Match names for a write, or the problem to answer with.</summary>
    public static (int? Version, IResult? Problem) ExpectedVersion(HttpRequest request, Func<int?> current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var ifMatch = IfMatch(request);
        if (!ifMatch.Present)
        {
            return (null, TypedResults.Problem(
                statusCode: StatusCodes.Status428PreconditionRequired,
                title: "Precondition required",
                detail: "Send If-Match with the ETag you last read (or *), so a stale write cannot overwrite someone else's change."));
        }

        if (ifMatch.Malformed || ifMatch.Versions.Count > 1)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad If-Match",
                detail: "If-Match must be one ETag as returned by GET (for example \"7\") or *."));
        }

        return ifMatch.Any ? (current(), null) : (ifMatch.Versions[0], null);
    }

    /// <summary>
    /// Everything a write checks before touching the store: If-Match (required; <c>*</c> means the
    /// current version) and an optional Lease-Token. Returns the problem to answer with, if any.
    /// </summary>
    public static (int Expected, Guid? Token, IResult? Problem) WritePreconditions(HttpRequest request, int currentVersion)
    {
        var (expected, problem) = ExpectedVersion(request, () => currentVersion);
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

using CollabEditor.Core.Changes;
using CollabEditor.Core.Leases;
using CollabEditor.Data.Customers;
using CollabEditor.Data.Leases;
using CollabEditor.Data.Orders;
using CollabEditor.Data.Products;
using CollabEditor.WebApp.Account;
using Microsoft.AspNetCore.Http.HttpResults;
using static CollabEditor.WebApp.Api.ApiConventions;

namespace CollabEditor.WebApp.Api;

/// <summary>A lease as its holder sees it (with the token).</summary>
public sealed record LeaseDto(string Resource, Guid Token, long Fencing, string Holder, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt)
{
    public static LeaseDto From(Lease l)
    {
        ArgumentNullException.ThrowIfNull(l);
        return new(l.Key, l.Token, l.Fencing, l.HolderName, l.AcquiredAt, l.ExpiresAt);
    }
}

/// <summary>Why an administrator takes a check-out away.</summary>
public sealed record ForceReleaseInput(string? Reason);

/// <summary>/api/leases/{kind}/{id}: check-out for programs, with the same engine and fencing as the pages.</summary>
public static class LeasesApi
{
    public const int MaxWaitSeconds = 30;

    /// <summary>The header that makes an acquire safe to retry: the same key and user get the same lease back.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>The longest Idempotency-Key accepted (a UUID is 36).</summary>
    public const int MaxIdempotencyKeyLength = 80;

    public static RouteGroupBuilder MapLeasesApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var leases = api.MapGroup("/leases/{kind}/{id:int}").WithTags("Leases");

        leases.MapPost("/", async Task<IResult> (string kind, int id, int? wait, HttpContext http, LeaseStore store, ProductStore products, OrderStore orders, CustomerStore customers, CancellationToken ct) =>
        {
            if (Key(kind, id) is not { } key)
            {
                return NotFound($"{kind}/{id}");
            }

            // Only records that exist can be checked out.
            var exists = kind switch
            {
                ResourceKey.Product => await products.GetAsync(id, ct) is not null,
                ResourceKey.Customer => await customers.GetAsync(id, ct) is not null,
                _ => await orders.GetAsync(id, ct) is not null,
            };
            if (!exists)
            {
                return NotFound($"{kind}/{id}");
            }

            if (wait is < 0 or > MaxWaitSeconds)
            {
                return Validation([new("wait", $"wait must be between 0 and {MaxWaitSeconds} seconds.")]);
            }

            var (idempotencyKey, keyProblem) = IdempotencyKey(http.Request);
            if (keyProblem is not null)
            {
                return keyProblem;
            }

            // Each acquire is its own holder; a retry names its first attempt by its Idempotency-Key
            // (the holder is user and session, so another user's same key is another holder).
            var session = idempotencyKey is null ? $"api:{Guid.NewGuid():N}" : "api-key:" + idempotencyKey;
            var result = await store.AcquireWaitingAsync(key, http.User.ToActor(), session, TimeSpan.FromSeconds(wait ?? 0), ct);
            return result switch
            {
                AcquireResult.Granted g => TypedResults.Created($"/api/leases/{key}", LeaseDto.From(g.Lease)),
                AcquireResult.AlreadyHeld h => TypedResults.Ok(LeaseDto.From(h.Lease)),
                AcquireResult.Denied d => Locked(d.Holder),
                _ => throw new InvalidOperationException($"Unexpected acquire result {result}."),
            };
        }).Produces<LeaseDto>(StatusCodes.Status201Created).Produces<LeaseDto>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status423Locked)
          .WithSummary("Check out (acquire a lease). 201 with token and fencing number; 423 with the holder. ?wait=N retries for up to N seconds.")
          .WithDescription($"Each acquire is a new holder. Send {IdempotencyKeyHeader} (1-{MaxIdempotencyKeyLength} visible ASCII characters, no quotes or commas; a UUID, for example) to make it safe to retry: "
            + "while that lease is live, the same key from the same user gets it back unchanged (200, same token); after it ended, the key acquires anew.");

        leases.MapPut("/", async Task<IResult> (string kind, int id, HttpContext http, LeaseStore store, CancellationToken ct) =>
        {
            if (Key(kind, id) is not { } key)
            {
                return NotFound($"{kind}/{id}");
            }

            var (token, problem) = RequiredToken(http.Request);
            if (problem is not null)
            {
                return problem;
            }

            return await store.RenewAsync(key, token!.Value, http.User.ToActor(), ct) switch
            {
                LeaseChange.Done done => TypedResults.Ok(LeaseDto.From(done.Lease)),
                LeaseChange.NotHolder n => NotHolder(n.Holder),
                _ => NotHeld(key),
            };
        }).WithSummary("Renew a lease; needs its token in Lease-Token.");

        leases.MapDelete("/", async Task<IResult> (string kind, int id, HttpContext http, LeaseStore store, CancellationToken ct) =>
        {
            if (Key(kind, id) is not { } key)
            {
                return NotFound($"{kind}/{id}");
            }

            var (token, problem) = RequiredToken(http.Request);
            if (problem is not null)
            {
                return problem;
            }

            return await store.ReleaseAsync(key, token!.Value, http.User.ToActor(), ct) switch
            {
                LeaseChange.Done => TypedResults.NoContent(),
                LeaseChange.NotHolder n => NotHolder(n.Holder),
                _ => NotHeld(key),
            };
        }).WithSummary("Check in (release a lease); needs its token in Lease-Token.");

        leases.MapPost("/force-release", async Task<IResult> (string kind, int id, ForceReleaseInput input, HttpContext http, LeaseStore store, CancellationToken ct) =>
        {
            if (Key(kind, id) is not { } key)
            {
                return NotFound($"{kind}/{id}");
            }

            return await store.ForceReleaseAsync(key, http.User.ToActor(), input.Reason, ct) switch
            {
                LeaseChange.Done => TypedResults.NoContent(),
                LeaseChange.Forbidden f => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: f.Message),
                LeaseChange.Invalid i => Validation([new(i.Field, i.Message)]),
                _ => NotHeld(key),
            };
        }).RequireAuthorization(ApiEndpoints.AdminPolicy)
          .WithSummary("Administrators: take a check-out away, with a reason. The holder is told at once.");

        leases.MapMethodNotAllowed("/", HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete);
        leases.MapMethodNotAllowed("/force-release", HttpMethods.Post);

        return api;
    }

    private static string? Key(string kind, int id) =>
        ResourceKey.TryParse($"{kind}/{id}", out _, out _) ? $"{kind}/{id}" : null;

    private static (Guid? Token, IResult? Problem) RequiredToken(HttpRequest request)
    {
        var (token, problem) = LeaseToken(request);
        return problem is not null ? (null, problem)
            : token is null ? (null, Validation([new(LeaseTokenHeader, $"{LeaseTokenHeader} is required: send the token you got when you checked out.")]))
            : (token, null);
    }

    /// <summary>The Idempotency-Key header: null when absent, a problem when it is not one key of visible ASCII (a structured-field string's surrounding quotes are allowed).</summary>
    private static (string? Key, IResult? Problem) IdempotencyKey(HttpRequest request)
    {
        var values = request.Headers[IdempotencyKeyHeader];
        if (values.Count == 0)
        {
            return (null, null);
        }

        var raw = values.Count == 1 ? values[0]?.Trim() ?? string.Empty : string.Empty;
        if (raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"')
        {
            raw = raw[1..^1];
        }

        return raw.Length is > 0 and <= MaxIdempotencyKeyLength && raw.All(c => c is > ' ' and <= '~' and not '"' and not ',')
            ? (raw, null)
            : (null, Validation([new(IdempotencyKeyHeader, $"{IdempotencyKeyHeader} must be one key of 1 to {MaxIdempotencyKeyLength} visible ASCII characters, without quotes or commas (a UUID, for example).")]));
    }

    private static ProblemHttpResult NotHeld(string key) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not held",
            detail: $"There is no live lease on {key} with this token: it expired, was released, or was taken away.");
}

/// <summary>Wires the API: authentication for programs, policies, problem details, OpenAPI.</summary>
public static class ApiEndpoints
{
    /// <summary>Editors and admins, signed in with a bearer token or the app's cookie.</summary>
    public const string EditorPolicy = "api-editor";

    public const string AdminPolicy = "api-admin";

    public static IEndpointRouteBuilder MapCollabApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api")
            .RequireAuthorization(EditorPolicy)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxBodyBytes))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapAuthApi();
        api.MapProductsApi();
        api.MapOrdersApi();
        api.MapCustomersApi();
        api.MapLeasesApi();
        api.MapHistoryApi();
        return endpoints;
    }
}

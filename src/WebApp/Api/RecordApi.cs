using CollabEditor.Data.Records;
using CollabEditor.WebApp.Account;
using static CollabEditor.WebApp.Api.ApiConventions;

namespace CollabEditor.WebApp.Api;

/// <summary>
/// What a one-row record kind (products, customers) gives the shared endpoints: its name, how its
/// snapshot reads and shows, and how its input maps to values and back (for PATCH).
/// </summary>
/// <param name="Name">"Product": in messages ("Product 12") and summaries.</param>
/// <param name="Path">"/api/products": where a created record is.</param>
/// <param name="DeleteSummary">The DELETE summary (what a delete does besides).</param>
public sealed record RecordApiKind<TValues, TSnapshot, TDto, TInput>(
    string Name,
    string Path,
    Func<TSnapshot, int> Id,
    Func<TSnapshot, int> Version,
    Func<TSnapshot, TValues> Values,
    Func<TSnapshot, TDto> Dto,
    Func<TValues, TInput> InputOf,
    Func<TInput, TValues> ValuesOf,
    PatchShape Shape,
    string DeleteSummary);

/// <summary>
/// GET/HEAD, POST, PUT, PATCH and DELETE of one record, written once for every one-row kind on the
/// shared write path (<see cref="VersionedStore{TRow, TValues, TSnapshot}"/>): ETag = version,
/// If-None-Match → 304, If-Match required on writes (428/412 with the current record), Lease-Token
/// fencing (423/403/409), 400 naming the field.
/// </summary>
public static class RecordApi
{
    /// <summary>
    /// Maps GET/HEAD, PATCH and DELETE of one <paramref name="kind"/> record on <paramref name="group"/>; PATCH documented with
    /// <typeparamref name="TMerge"/> and the examples. POST and PUT bind their body to the kind's input type, so their one-line
    /// handlers stay with the kind and call <see cref="CreateAsync"/> and <see cref="ReplaceAsync"/>: ASP.NET Core 10's route handler analyzer crashes on a handler
    /// parameter whose type is a type parameter (dotnet/aspnetcore#56831, fixed in .NET 11), so the store comes from the request's services.
    /// </summary>
    public static RouteGroupBuilder MapRecord<TStore, TRow, TValues, TSnapshot, TDto, TInput, TMerge>(
        this RouteGroupBuilder group, RecordApiKind<TValues, TSnapshot, TDto, TInput> kind, string mergeExample, string jsonPatchExample)
        where TStore : VersionedStore<TRow, TValues, TSnapshot>
        where TRow : class, IVersionedRow<TValues, TSnapshot>
        where TValues : class
        where TSnapshot : class
        where TInput : class
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(kind);
        var name = kind.Name.ToLowerInvariant();

        group.MapMethods("/{id:int}", [HttpMethods.Get, HttpMethods.Head], async Task<IResult> (int id, HttpContext http, CancellationToken ct) =>
        {
            var store = http.RequestServices.GetRequiredService<TStore>();
            var current = await store.GetAsync(id, ct);
            if (current is null)
            {
                return NotFound($"{kind.Name} {id}");
            }

            var ifNoneMatch = IfNoneMatch(http.Request);
            http.Response.Headers.ETag = ETagFor(kind.Version(current));
            if (ifNoneMatch.Present && (ifNoneMatch.Any || ifNoneMatch.Versions.Contains(kind.Version(current))))
            {
                return TypedResults.StatusCode(StatusCodes.Status304NotModified);
            }

            return TypedResults.Ok(kind.Dto(current));
        }).WithSummary($"Get one {name}; its ETag is its version. If-None-Match → 304.");

        group.MapPatch("/{id:int}", async Task<IResult> (int id, HttpContext http, CancellationToken ct) =>
        {
            var store = http.RequestServices.GetRequiredService<TStore>();
            var current = await store.GetAsync(id, ct);
            if (current is null)
            {
                return NotFound($"{kind.Name} {id}");
            }

            var (expected, token, patch, problem) = await Patching.ReadAsync(http.Request, kind.Version(current), () => Stale(kind.Dto(current), kind.Version(current)), ct);
            if (problem is not null)
            {
                return problem;
            }

            var (input, invalid) = Patching.Apply(patch!, kind.InputOf(kind.Values(current)), kind.Shape);
            return invalid ?? await SaveAsync(kind, store, id, expected, token, input!, http, ct);
        })
        .WithSummary($"Change some members of a {name}: merge patch (RFC 7396) or JSON Patch (RFC 6902). Requires If-Match; Lease-Token when you hold its check-out.")
        .WithPatchDocumentation<TMerge>(mergeExample, jsonPatchExample);

        group.MapDelete("/{id:int}", async Task<IResult> (int id, HttpContext http, CancellationToken ct) =>
        {
            var store = http.RequestServices.GetRequiredService<TStore>();
            if (await store.GetAsync(id, ct) is null)
            {
                return NotFound($"{kind.Name} {id}");
            }

            var (expected, token, problem) = WritePreconditions(http.Request);
            if (problem is not null)
            {
                return problem;
            }

            return await store.DeleteAsync(id, expected, http.User.ToActor(), token, ct) switch
            {
                Core.Records.DeleteResult<TSnapshot>.Removed => TypedResults.NoContent(),
                Core.Records.DeleteResult<TSnapshot>.Conflict c => Stale(kind.Dto(c.Theirs), kind.Version(c.Theirs)),
                Core.Records.DeleteResult<TSnapshot>.Locked l => TypedResults.Problem(statusCode: StatusCodes.Status423Locked, title: "Locked", detail: l.Message),
                Core.Records.DeleteResult<TSnapshot>.NotHolder n => NotHolder(n.Holder),
                _ => NotFound($"{kind.Name} {id}"),
            };
        }).WithSummary(kind.DeleteSummary);

        return group;
    }

    /// <summary>POST: the record at version 1 (201, its place and ETag), or why it was not created.</summary>
    public static async Task<IResult> CreateAsync<TRow, TValues, TSnapshot, TDto, TInput>(RecordApiKind<TValues, TSnapshot, TDto, TInput> kind,
        VersionedStore<TRow, TValues, TSnapshot> store, TInput input, HttpContext http, CancellationToken ct)
        where TRow : class, IVersionedRow<TValues, TSnapshot>
        where TValues : class
        where TSnapshot : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(http);
        var result = await store.CreateAsync(kind.ValuesOf(input), http.User.ToActor(), ct);
        if (result is Core.Records.SaveResult<TSnapshot>.Saved saved)
        {
            http.Response.Headers.ETag = ETagFor(kind.Version(saved.Current));
            return TypedResults.Created($"{kind.Path}/{kind.Id(saved.Current)}", kind.Dto(saved.Current));
        }

        return ToProblem(kind, result, kind.Name);
    }

    /// <summary>PUT: the whole record replaced, version-checked (If-Match) and fenced (Lease-Token).</summary>
    public static async Task<IResult> ReplaceAsync<TRow, TValues, TSnapshot, TDto, TInput>(RecordApiKind<TValues, TSnapshot, TDto, TInput> kind,
        VersionedStore<TRow, TValues, TSnapshot> store, int id, TInput input, HttpContext http, CancellationToken ct)
        where TRow : class, IVersionedRow<TValues, TSnapshot>
        where TValues : class
        where TSnapshot : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(http);
        if (await store.GetAsync(id, ct) is null)
        {
            return NotFound($"{kind.Name} {id}");
        }

        var (expected, token, problem) = WritePreconditions(http.Request);
        return problem ?? await SaveAsync(kind, store, id, expected, token, input, http, ct);
    }

    /// <summary>The version-checked, fenced write of a PUT or PATCH, answered as both answer it.</summary>
    public static async Task<IResult> SaveAsync<TRow, TValues, TSnapshot, TDto, TInput>(RecordApiKind<TValues, TSnapshot, TDto, TInput> kind,
        VersionedStore<TRow, TValues, TSnapshot> store, int id, int expected, Guid? token, TInput input, HttpContext http, CancellationToken ct)
        where TRow : class, IVersionedRow<TValues, TSnapshot>
        where TValues : class
        where TSnapshot : class
    {
        var result = await store.UpdateAsync(id, expected, kind.ValuesOf(input), http.User.ToActor(), token, ct);
        if (result is Core.Records.SaveResult<TSnapshot>.Saved saved)
        {
            http.Response.Headers.ETag = ETagFor(kind.Version(saved.Current));
            return TypedResults.Ok(kind.Dto(saved.Current));
        }

        return ToProblem(kind, result, $"{kind.Name} {id}");
    }

    /// <summary>A write that saved nothing, as a problem response (400 naming fields, 412 with the current record, 423, 403, 409).</summary>
    public static IResult ToProblem<TValues, TSnapshot, TDto, TInput>(RecordApiKind<TValues, TSnapshot, TDto, TInput> kind, Core.Records.SaveResult<TSnapshot> result, string what) => result switch
    {
        Core.Records.SaveResult<TSnapshot>.Invalid invalid => Validation(invalid.Errors),
        Core.Records.SaveResult<TSnapshot>.Conflict conflict => Stale(kind.Dto(conflict.Theirs), kind.Version(conflict.Theirs)),
        Core.Records.SaveResult<TSnapshot>.Locked locked => Locked(locked.Holder),
        Core.Records.SaveResult<TSnapshot>.NotHolder notHolder => NotHolder(notHolder.Holder),
        Core.Records.SaveResult<TSnapshot>.LeaseLost => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Lease not held", detail: Core.Records.SaveResult<TSnapshot>.LeaseLost.Message),
        Core.Records.SaveResult<TSnapshot>.CheckoutRequired => TypedResults.Problem(statusCode: StatusCodes.Status423Locked, title: "Check-out required", detail: Core.Records.SaveResult<TSnapshot>.CheckoutRequired.Message),
        _ => NotFound(what),
    };
}

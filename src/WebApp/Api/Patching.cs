using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson.Operations;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;

namespace CollabEditor.WebApp.Api;

/// <summary>
/// The members a PATCH may name on one kind of record: writable ones (those a PUT takes), read-only
/// ones (shown by GET, set by the server), and for an order the list of lines with their own members.
/// </summary>
public sealed record PatchShape(
    string Kind, IReadOnlyList<string> Writable, IReadOnlyList<string> ReadOnly,
    string? ListMember = null, IReadOnlyList<string>? ItemWritable = null, IReadOnlyList<string>? ItemReadOnly = null, string? ItemKey = null, string Item = "item",
    IReadOnlyList<string>? Optional = null)
{
    /// <summary>True when <paramref name="member"/> may be null or removed (an order's customerId: null clears the link).</summary>
    public bool MayBeNull(string member) => Optional?.Contains(member) == true;

    /// <summary>"a product", "an order".</summary>
    public string AKind => ("aeiou".Contains(Kind[0], StringComparison.Ordinal) ? "an " : "a ") + Kind;
}

/// <summary>One JSON Patch operation (RFC 6902), for the OpenAPI document.</summary>
/// <param name="Op">add, remove, replace, move, copy or test.</param>
/// <param name="Path">A JSON Pointer such as /stock or /lines/0/quantity.</param>
/// <param name="From">For move and copy: where the value comes from.</param>
/// <param name="Value">For add, replace and test.</param>
public sealed record JsonPatchOperation(string Op, string Path, string? From, JsonElement? Value);

/// <summary>A PATCH body as read: which of the two media types, and its JSON.</summary>
public sealed record PatchDocument(bool IsJsonPatch, JsonNode Body);

/// <summary>
/// PATCH for the API (RFC 5789): JSON Merge Patch (RFC 7396) and JSON Patch (RFC 6902, applied with
/// ASP.NET Core's System.Text.Json implementation). Either way the patch is applied to the record's
/// writable view — exactly what a PUT would send — and the result is read as that PUT body, so a PATCH
/// gets the PUT's types, rules, version check and fencing and nothing else.
/// </summary>
/// <remarks>
/// Statuses: a body that is not a patch (wrong JSON, unknown op, a member that does not exist or is
/// read-only in a merge patch, a null for a required member, a wrong type) is 400; a JSON Patch that is
/// well-formed but cannot be applied to this record (a path that is not there, a read-only path, a
/// removal of a required member, a changed line id) is 422; a failed <c>test</c> is 409 (RFC 5789 2.2,
/// "conflicting state"); another media type is 415 with <c>Accept-Patch</c>.
/// </remarks>
public static class Patching
{
    public const string MergePatch = "application/merge-patch+json";
    public const string JsonPatch = "application/json-patch+json";

    /// <summary>Reads the PUT body the patched view makes: strictly, so a member that is not the PUT's is refused.</summary>
    private static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    private static readonly string[] Ops = ["add", "remove", "replace", "move", "copy", "test"];

    /// <summary>Reads the operations: members an operation does not define are ignored (RFC 6902 4).</summary>
    private static readonly JsonSerializerOptions Lenient = new(JsonSerializerDefaults.Web);

    /// <summary>The record's writable view as JSON, from the PUT body that would keep it as it is.</summary>
    /// <remarks>Parsed from text, so every value is JSON as a client would send it (and compares as JSON in a <c>test</c>).</remarks>
    private static JsonObject View<T>(T input) => JsonNode.Parse(JsonSerializer.Serialize(input, Strict))!.AsObject();

    /// <summary>
    /// Everything a PATCH checks before applying its body, in this order: If-Match and Lease-Token as
    /// for PUT (428, 400, 412 for a weak tag), the media type (415), the body (400), and then that
    /// If-Match names <paramref name="currentVersion"/> (<paramref name="stale"/>, a 412): a patch is
    /// applied only to the version it was written against, so its indexes mean what the client saw.
    /// </summary>
    public static async Task<(int Expected, Guid? Token, PatchDocument? Document, IResult? Problem)> ReadAsync(HttpRequest request, int currentVersion, Func<IResult> stale, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(stale);
        var (expected, token, problem) = ApiConventions.WritePreconditions(request);
        if (problem is not null)
        {
            return (0, null, null, problem);
        }

        var (document, bad) = await ReadBodyAsync(request, ct);
        return bad is not null ? (0, null, null, bad)
            : expected != currentVersion ? (0, null, null, stale())
            : (expected, token, document, null);
    }

    /// <summary>The body of a PATCH, or the 415/400 to answer with.</summary>
    private static async Task<(PatchDocument? Document, IResult? Problem)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value : null;
        var isJsonPatch = string.Equals(mediaType, JsonPatch, StringComparison.OrdinalIgnoreCase);
        if (!isJsonPatch && !string.Equals(mediaType, MergePatch, StringComparison.OrdinalIgnoreCase))
        {
            request.HttpContext.Response.Headers["Accept-Patch"] = $"{MergePatch}, {JsonPatch}";
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported patch format",
                detail: $"PATCH takes {MergePatch} (RFC 7396) or {JsonPatch} (RFC 6902); got {(string.IsNullOrEmpty(request.ContentType) ? "no Content-Type" : $"'{request.ContentType}'")}."));
        }

        JsonNode? body;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, ct);
            body = buffer.Length == 0 ? null : JsonNode.Parse(buffer.ToArray());
        }
        catch (JsonException ex)
        {
            return (null, Malformed($"The body is not JSON: {ex.Message}"));
        }

        if (body is not null && FirstInvalidText(body) is { } where)
        {
            return (null, Malformed($"The string at '{where}' is not valid text (a lone surrogate such as \\ud800)."));
        }

        return (isJsonPatch, body) switch
        {
            (false, JsonObject) => (new(false, body), null),
            (true, JsonArray) => (new(true, body), null),
            (false, _) => (null, Malformed("A merge patch is a JSON object naming the members to change, for example {\"stock\": 5}.")),
            _ => (null, Malformed("A JSON Patch is an array of operations, for example [{\"op\": \"replace\", \"path\": \"/stock\", \"value\": 5}]."))
        };
    }

    /// <summary>Applies <paramref name="document"/> to the record's writable view and reads the result as the PUT body <typeparamref name="T"/>.</summary>
    /// <param name="current">The PUT body that would keep the record as it is now.</param>
    public static (T? Input, IResult? Problem) Apply<T>(PatchDocument document, T current, PatchShape shape)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(shape);
        var view = View(current);
        var problem = document.IsJsonPatch ? ApplyJsonPatch(document.Body.AsArray(), view, shape) : ApplyMergePatch(document.Body.AsObject(), view, shape);
        if (problem is not null)
        {
            return (null, problem);
        }

        foreach (var member in shape.Writable.Where(m => !shape.MayBeNull(m)))
        {
            if (view[member] is null)
            {
                return (null, Malformed($"'{member}' is required: null (or removing it) would leave the {shape.Kind} without one; send a value.", member));
            }
        }

        try
        {
            return (view.Deserialize<T>(Strict), null);
        }
        catch (JsonException ex)
        {
            var member = ex.Path?.TrimStart('$', '.') ?? string.Empty;
            return (null, Malformed($"'{member}': {FirstSentence(ex.Message)}", member));
        }
    }

    /// <summary>
    /// Documents both media types in OpenAPI, each with its schema and an example, and the statuses a
    /// PATCH adds to a PUT's.
    /// </summary>
    /// <typeparam name="TMerge">The merge patch's shape: the PUT body with every member optional.</typeparam>
    public static RouteHandlerBuilder WithPatchDocumentation<TMerge>(this RouteHandlerBuilder builder, string mergeExample, string jsonPatchExample) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "Only the members named change. Merge patch: null is refused for every member (all are required); an order's lines, when given, "
                    + "replace the whole list (id to keep or change a line, none to add). JSON Patch: paths as GET shows them (/stock, /lines/0/quantity), "
                    + "indexes as of the version If-Match names; a line's id cannot be changed; a failed test is 409.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [MergePatch] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(TMerge), null, ct), Example = JsonNode.Parse(mergeExample) },
                    [JsonPatch] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(IReadOnlyList<JsonPatchOperation>), null, ct), Example = JsonNode.Parse(jsonPatchExample) },
                },
            };
        })
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status412PreconditionFailed)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status423Locked)
        .ProducesProblem(StatusCodes.Status428PreconditionRequired);

    /// <summary>RFC 7396 on the view, after refusing members a merge patch cannot name.</summary>
    private static ProblemHttpResult? ApplyMergePatch(JsonObject patch, JsonObject view, PatchShape shape)
    {
        foreach (var (name, value) in patch)
        {
            if (shape.ReadOnly.Contains(name))
            {
                return Malformed($"'{name}' is read-only: the server sets it. A patch names only what it changes ({string.Join(", ", shape.Writable)}).", name);
            }

            if (!shape.Writable.Contains(name))
            {
                return Malformed($"'{name}' is not a member of {shape.AKind} (names are case-sensitive, as GET returns them: {string.Join(", ", shape.Writable)}).", name);
            }

            if (value is null && !shape.MayBeNull(name))
            {
                return Malformed($"'{name}' is required: null would remove it. Send a value.", name);
            }
        }

        Merge(view, patch);
        return null;
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject inner && target[name] is JsonObject existing)
            {
                Merge(existing, inner);
            }
            else
            {
                // Arrays and scalars replace what is there (RFC 7396): an order's lines are sent as the whole list.
                target[name] = value.DeepClone();
            }
        }
    }

    /// <summary>RFC 6902, one operation at a time, each checked against the view as it stands before it runs.</summary>
    private static ProblemHttpResult? ApplyJsonPatch(JsonArray raw, JsonObject view, PatchShape shape)
    {
        List<Operation> operations;
        try
        {
            operations = raw.Deserialize<JsonPatchDocument>(Lenient)?.Operations ?? [];
        }
        catch (JsonException ex)
        {
            return Malformed($"Not a JSON Patch: {FirstSentence(ex.InnerException?.Message ?? ex.Message)}");
        }

        string? failure = null;
        for (var i = 0; i < operations.Count; i++)
        {
            var op = operations[i];
            if (CheckOperation(op, raw[i] as JsonObject, i, view, shape) is { } refused)
            {
                return refused;
            }

            if (op.OperationType == OperationType.Test)
            {
                // Compared here as RFC 6902 4.6 says (JSON equality): the library's JsonObject test refuses "" and null as test values.
                if (!JsonNode.DeepEquals(Resolve(view, Segments(op.path)!).Node, raw[i]!["value"]))
                {
                    return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Test failed",
                        detail: $"Operation {i}: the value at '{op.path}' is not the one tested; nothing was changed.",
                        extensions: new Dictionary<string, object?> { ["path"] = op.path, ["current"] = Resolve(view, Segments(op.path)!).Node?.DeepClone() });
                }

                continue;
            }

            if (op.OperationType == OperationType.Copy)
            {
                // The library cannot copy a JsonNode ("could not be copied"); a copy is an add of the value found at 'from' (RFC 6902 4.5).
                op = new Operation("add", op.path, null, Resolve(view, Segments(op.from)!).Node?.DeepClone());
            }

            // One operation per document: the library reports an operation's error and goes on to the next, and RFC 6902 5 stops at the first.
            new JsonPatchDocument([op], Strict).ApplyTo(view, error => failure ??= error.ErrorMessage);
            if (failure is not null)
            {
                return Unprocessable(i, op.path, failure);
            }
        }

        return null;
    }

    /// <summary>Null when the operation may run on the view as it stands; otherwise the 400 or 422 that says why not.</summary>
    private static ProblemHttpResult? CheckOperation(Operation op, JsonObject? raw, int index, JsonObject view, PatchShape shape)
    {
        // From the raw operation: the library reads a missing or unknown op as some operation or none.
        if (raw?["op"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String || !Ops.Contains(name.GetValue<string>()))
        {
            return Malformed($"Operation {index}: 'op' must be one of {string.Join(", ", Ops)} (got {raw?["op"]?.ToJsonString() ?? "none"}).");
        }

        if (op.OperationType is OperationType.Add or OperationType.Replace or OperationType.Test && raw?.ContainsKey("value") != true)
        {
            return Malformed($"Operation {index} ({op.op}) needs a 'value'.");
        }

        var path = Segments(op.path);
        var from = op.OperationType is OperationType.Move or OperationType.Copy ? Segments(op.from) : [];
        if (path is null || from is null)
        {
            return Malformed($"Operation {index}: '{(path is null ? "path" : "from")}' must be a JSON Pointer such as \"/stock\" or \"/{shape.ListMember ?? shape.Writable[0]}/0\" (got '{(path is null ? op.path : op.from)}').");
        }

        var writes = op.OperationType is not OperationType.Test;
        // The target of a move or copy is added there (RFC 6902 4.4, 4.5), so '-' and the end index are allowed.
        var targetType = op.OperationType is OperationType.Move or OperationType.Copy ? OperationType.Add : op.OperationType;
        if (CheckPath(path, targetType, writes, view, shape) is { } target)
        {
            return Unprocessable(index, op.path, target);
        }

        if (op.OperationType is OperationType.Move or OperationType.Copy)
        {
            if (CheckPath(from, op.OperationType == OperationType.Move ? OperationType.Remove : OperationType.Test, op.OperationType == OperationType.Move, view, shape) is { } source)
            {
                return Unprocessable(index, op.from, source);
            }

            if (op.OperationType == OperationType.Move && path.Length > from.Length && path.Take(from.Length).SequenceEqual(from))
            {
                return Unprocessable(index, op.path, "a value cannot be moved into itself.");
            }
        }

        return null;
    }

    /// <summary>Why <paramref name="path"/> cannot be the target of <paramref name="type"/> on the view as it stands, or null when it can.</summary>
    private static string? CheckPath(string[] path, OperationType type, bool writes, JsonObject view, PatchShape shape)
    {
        if (path.Length == 0)
        {
            return $"the whole {shape.Kind} cannot be patched as one value; send a PUT to replace it.";
        }

        var member = path[0];
        if (shape.ReadOnly.Contains(member))
        {
            return $"'{member}' is read-only: the server sets it.";
        }

        if (!shape.Writable.Contains(member))
        {
            return $"{shape.AKind} has no member '{member}' (it has {string.Join(", ", shape.Writable)}).";
        }

        var isList = member == shape.ListMember;
        if (path.Length == 1 || !isList)
        {
            if (path.Length > 1)
            {
                return $"'{member}' has no members.";
            }

            return type == OperationType.Remove ? $"'{member}' is required and cannot be removed; replace it instead." : null;
        }

        var items = view[member] as JsonArray;
        var count = items?.Count ?? 0;
        var last = path.Length == 2;
        var append = path[1] == "-" && last && type == OperationType.Add;
        if (!append && !(int.TryParse(path[1], NumberStyles.None, CultureInfo.InvariantCulture, out var position) && (position < count || (position == count && last && type == OperationType.Add))))
        {
            return $"there is no {member}[{path[1]}]: the {shape.Kind} has {count} {member} at the version your If-Match names (indexes 0 to {count - 1}; '-' adds at the end).";
        }

        if (last)
        {
            return null;
        }

        var field = path[2];
        if (path.Length > 3)
        {
            return $"'{field}' has no members.";
        }

        if (shape.ItemReadOnly?.Contains(field) == true)
        {
            return $"a {shape.Item}'s '{field}' is read-only: the server copies it.";
        }

        if (shape.ItemWritable?.Contains(field) != true)
        {
            return $"a {shape.Item} has no member '{field}' (it has {string.Join(", ", shape.ItemWritable ?? [])}).";
        }

        if (field == shape.ItemKey && writes)
        {
            return $"a {shape.Item}'s '{field}' names it and cannot be changed; remove the {shape.Item} and add a new one instead.";
        }

        return type == OperationType.Remove ? $"'{field}' is required and cannot be removed; replace it instead." : null;
    }

    /// <summary>The JSON Pointer of the first string that cannot be read as text, or null when all can.</summary>
    /// <remarks>The parser lets an escaped lone surrogate through; reading it later throws from anywhere (copy, compare, deserialize).</remarks>
    private static string? FirstInvalidText(JsonNode node, string at = "")
    {
        switch (node)
        {
            case JsonObject o:
                return o.Select(p => p.Value is null ? null : FirstInvalidText(p.Value, $"{at}/{p.Key}")).FirstOrDefault(w => w is not null);
            case JsonArray a:
                return a.Select((item, i) => item is null ? null : FirstInvalidText(item, $"{at}/{i}")).FirstOrDefault(w => w is not null);
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                try
                {
                    _ = v.GetValue<string>();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return at;
                }

            default:
                return null;
        }
    }

    /// <summary>The node at a parsed pointer (null when absent or JSON null).</summary>
    private static (bool Found, JsonNode? Node) Resolve(JsonNode root, string[] path)
    {
        JsonNode? node = root;
        foreach (var segment in path)
        {
            switch (node)
            {
                case JsonObject o when o.TryGetPropertyValue(segment, out var child):
                    node = child;
                    break;
                case JsonArray a when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                    node = a[i];
                    break;
                default:
                    return (false, null);
            }
        }

        return (true, node);
    }

    /// <summary>A JSON Pointer's reference tokens (RFC 6901), or null when it is not one.</summary>
    private static string[]? Segments(string? pointer)
    {
        if (pointer is null || (pointer.Length > 0 && pointer[0] != '/'))
        {
            return null;
        }

        return pointer.Length == 0 ? [] : [.. pointer[1..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    private static ProblemHttpResult Malformed(string detail, string? member = null) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed patch", detail: detail,
            extensions: member is null ? null : new Dictionary<string, object?> { ["member"] = member });

    private static ProblemHttpResult Unprocessable(int index, string? path, string why) =>
        TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Patch cannot be applied",
            detail: $"Operation {index} at '{path}': {why} Nothing was changed.",
            extensions: new Dictionary<string, object?> { ["path"] = path, ["operation"] = index });
}

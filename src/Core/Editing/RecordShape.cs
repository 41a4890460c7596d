using CollabEditor.Core.Merging;

namespace CollabEditor.Core.Editing;

/// <summary>
/// How an editor sees one record kind's values: as named parts (a product's fields; an order's
/// header fields and one part per line) that can be read, replaced and described. Everything the
/// editing life-cycle does part by part — what I touched, what to pick up from a newer version,
/// what a merge starts from — is written once against this.
/// </summary>
public abstract class RecordShape<T>
    where T : class
{
    /// <summary>The parts <paramref name="values"/> has, in form order (a part is absent when its value is null).</summary>
    public abstract IEnumerable<string> Parts(T values);

    /// <summary>The value of one part, or null when <paramref name="values"/> does not have it (a line that is not there).</summary>
    public abstract object? ValueOf(T values, string part);

    /// <summary>A copy with one part replaced; null removes it, a part that was absent is added.</summary>
    public abstract T WithValue(T values, string part, object? value);

    /// <summary>In words, what became of a part from one version to the next ("Price"; "OAK-DES-001 (added)").</summary>
    public abstract string Describe(string part, object? before, object? after);

    /// <summary>The parts of all of <paramref name="values"/>, each once, in the order first seen.</summary>
    public IReadOnlyList<string> PartsOf(params T[] values) => [.. values.SelectMany(Parts).Distinct(StringComparer.Ordinal)];

    /// <summary>Whether two values are the same part by part.</summary>
    public bool Same(T a, T b) => PartsOf(a, b).All(p => Equals(ValueOf(a, p), ValueOf(b, p)));

    /// <summary>The parts that differ between <paramref name="before"/> and <paramref name="after"/>, described.</summary>
    public IReadOnlyList<string> Changes(T before, T after) =>
        [.. PartsOf(before, after).Where(p => !Equals(ValueOf(before, p), ValueOf(after, p))).Select(p => Describe(p, ValueOf(before, p), ValueOf(after, p)))];
}

/// <summary>A record of fixed fields (products, customers): one part per <see cref="MergeField{T}"/>, described by its label.</summary>
public sealed class FieldShape<T>(IReadOnlyList<MergeField<T>> fields) : RecordShape<T>
    where T : class
{
    private readonly Dictionary<string, MergeField<T>> _byName = fields.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public IReadOnlyList<MergeField<T>> Fields => fields;

    public override IEnumerable<string> Parts(T values) => fields.Select(f => f.Name);

    public override object? ValueOf(T values, string part) => _byName[part].Get(values);

    public override T WithValue(T values, string part, object? value) => _byName[part].With(values, value);

    public override string Describe(string part, object? before, object? after) => _byName[part].Label;
}

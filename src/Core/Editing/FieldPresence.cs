namespace CollabEditor.Core.Editing;

/// <summary>
/// Another open page of the same resource, as presence reports it.
/// </summary>
/// <param name="UserId">Whose page it is (may be mine: another tab).</param>
/// <param name="DisplayName">The name others see.</param>
/// <param name="Field">Where that page's cursor is; null when in no field.</param>
/// <param name="Changing">The fields that page has unsaved changes in.</param>
/// <param name="Idle">True when its last edit is older than the field-lock idle time (database clock).</param>
public sealed record PresenceOther(string UserId, string DisplayName, string? Field, IReadOnlyCollection<string> Changing, bool Idle);

/// <summary>What one field shows about the other people on the page.</summary>
/// <param name="InField">Names of others whose cursor is in the field.</param>
/// <param name="Changing">Names of others with fresh (not idle) unsaved changes in the field.</param>
/// <param name="LockedBy">Who holds the field's soft lock for me; null when I may type in it.</param>
public sealed record FieldState(IReadOnlyList<string> InField, IReadOnlyList<string> Changing, string? LockedBy)
{
    /// <summary>Nobody else is in or changing the field.</summary>
    public static FieldState Empty { get; } = new([], [], null);

    /// <summary>Everyone else in or changing the field, each once.</summary>
    public IReadOnlyList<string> Names => [.. InField.Concat(Changing).Distinct(StringComparer.Ordinal)];

    /// <summary>True when anybody else is in or changing the field.</summary>
    public bool AnyoneElse => InField.Count > 0 || Changing.Count > 0;
}

/// <summary>
/// Field-level presence and soft field locks (issue 15): from the other pages' presence, per field, who
/// is in it, who is changing it, and whether it is locked for me. A field is locked for me only when
/// locks are on, someone else (another tab of mine counts) has fresh unsaved changes in it, and I have
/// not touched it myself — so a field I have started typing in never turns read-only under me, and two
/// people who start within the presence delay both keep typing (the three-way merge decides).
/// </summary>
public sealed class FieldPresence
{
    /// <summary>How another page of my own shows up.</summary>
    public const string AnotherTabOfMine = "You (another tab)";

    private readonly Dictionary<string, FieldState> _fields;

    private FieldPresence(Dictionary<string, FieldState> fields) => _fields = fields;

    /// <summary>No other page.</summary>
    public static FieldPresence None { get; } = new([]);

    /// <summary>The fields anybody else is in or changing.</summary>
    public IReadOnlyCollection<string> Fields => _fields.Keys;

    /// <summary>The state of <paramref name="field"/> (<see cref="FieldState.Empty"/> when nobody else is there).</summary>
    public FieldState For(string field) => _fields.GetValueOrDefault(field) ?? FieldState.Empty;

    /// <summary>The name that <paramref name="other"/> is shown with to <paramref name="myUserId"/>.</summary>
    public static string NameOf(PresenceOther other, string myUserId)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.UserId == myUserId ? AnotherTabOfMine : other.DisplayName;
    }

    /// <summary>Computes every field's state for me.</summary>
    /// <param name="others">The other open pages of the resource (not this one).</param>
    /// <param name="myUserId">Who I am.</param>
    /// <param name="myTouched">The fields I have unsaved changes in.</param>
    /// <param name="locksEnabled">Whether soft field locks are on (<see cref="EditingOptions.FieldLocks"/>).</param>
    public static FieldPresence From(IEnumerable<PresenceOther> others, string myUserId, IReadOnlyCollection<string> myTouched, bool locksEnabled)
    {
        ArgumentNullException.ThrowIfNull(others);
        ArgumentNullException.ThrowIfNull(myTouched);
        var inField = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var changing = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var other in others)
        {
            var name = NameOf(other, myUserId);
            if (other.Field is { } field)
            {
                AddOnce(inField, field, name);
            }

            if (!other.Idle)
            {
                foreach (var changed in other.Changing)
                {
                    AddOnce(changing, changed, name);
                }
            }
        }

        var fields = new Dictionary<string, FieldState>(StringComparer.Ordinal);
        foreach (var field in inField.Keys.Concat(changing.Keys).Distinct(StringComparer.Ordinal))
        {
            var changers = changing.GetValueOrDefault(field) ?? [];
            var lockedBy = locksEnabled && changers.Count > 0 && !myTouched.Contains(field) ? changers[0] : null;
            fields[field] = new FieldState(inField.GetValueOrDefault(field) ?? [], changers, lockedBy);
        }

        return new FieldPresence(fields);
    }

    private static void AddOnce(Dictionary<string, List<string>> map, string field, string name)
    {
        if (!map.TryGetValue(field, out var names))
        {
            map[field] = names = [];
        }

        if (!names.Contains(name, StringComparer.Ordinal))
        {
            names.Add(name);
        }
    }
}

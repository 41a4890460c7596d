namespace CollabEditor.Core.Editing;

/// <summary>One committed version of a record as an editor sees it: values, number, who and when.</summary>
public sealed record Versioned<T>(T Values, int Version, string ChangedBy, DateTimeOffset At)
    where T : class;

/// <summary>A draft the editor reopened with: when it was written and the version it started from.</summary>
/// <param name="Warning">What the user must check first (its base is gone from the history), or null.</param>
public sealed record RestoredDraft(DateTimeOffset SavedAt, int BaseVersion, string? Warning = null);

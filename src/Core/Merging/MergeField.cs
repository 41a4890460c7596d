namespace CollabEditor.Core.Merging;

/// <summary>
/// One mergeable field of a record type: how to read it and how to produce a copy with a new value.
/// </summary>
public sealed record MergeField<T>(string Name, string Label, Type ValueType, Func<T, object?> Get, Func<T, object?, T> With);

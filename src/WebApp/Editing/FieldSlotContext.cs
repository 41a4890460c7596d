namespace CollabEditor.WebApp.Editing;

/// <summary>What a field inside a <see cref="FieldSlot"/> is told.</summary>
/// <param name="ReadOnly">The field is read-only: the whole record is, or someone else's unsaved changes soft-lock it for me.</param>
/// <param name="LockedBy">Who soft-locks it for me; null when nobody does.</param>
/// <param name="Who">For a row slot: who else is in it, for the page to place in a cell; null when nobody (or not a row).</param>
public sealed record FieldSlotContext(bool ReadOnly, string? LockedBy, Microsoft.AspNetCore.Components.RenderFragment? Who = null);

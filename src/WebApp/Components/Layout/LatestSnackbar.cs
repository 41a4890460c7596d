using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CollabEditor.WebApp.Components.Layout;

/// <summary>
/// MudBlazor's snackbar service where a new message replaces the one on screen. With
/// <see cref="SnackbarConfiguration.MaxDisplayedSnackbars"/> = 1 alone, MudBlazor shows the oldest
/// and queues the rest, so a stale "Saved version 5." would hide the news behind it.
/// </summary>
public sealed class LatestSnackbar(SnackbarService inner) : ISnackbar
{
    public IEnumerable<Snackbar> ShownSnackbars => inner.ShownSnackbars;

    public SnackbarConfiguration Configuration => inner.Configuration;

    public event Action? OnSnackbarsUpdated
    {
        add => inner.OnSnackbarsUpdated += value;
        remove => inner.OnSnackbarsUpdated -= value;
    }

    public Snackbar? Add(string message, Severity severity = Severity.Normal, Action<SnackbarOptions>? configure = null, string? key = null)
    {
        inner.Clear();
        return inner.Add(message, severity, configure, key);
    }

    public Snackbar? Add(MarkupString message, Severity severity = Severity.Normal, Action<SnackbarOptions>? configure = null, string? key = null)
    {
        inner.Clear();
        return inner.Add(message, severity, configure, key);
    }

    public Snackbar? Add(RenderFragment message, Severity severity = Severity.Normal, Action<SnackbarOptions>? configure = null, string? key = null)
    {
        inner.Clear();
        return inner.Add(message, severity, configure, key);
    }

    public Snackbar? Add<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(Dictionary<string, object>? componentParameters = null, Severity severity = Severity.Normal, Action<SnackbarOptions>? configure = null, string? key = null)
        where T : IComponent
    {
        inner.Clear();
        return inner.Add<T>(componentParameters, severity, configure, key);
    }

    public void Clear() => inner.Clear();

    public void Remove(Snackbar snackbar) => inner.Remove(snackbar);

    public void RemoveByKey(string key) => inner.RemoveByKey(key);

    public void Dispose() => inner.Dispose();
}

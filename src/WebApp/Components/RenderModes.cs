using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace CollabEditor.WebApp.Components;

/// <summary>The render mode of the interactive pages (each page declares it; the layout and router stay static).</summary>
public static class RenderModes
{
    /// <summary>
    /// Interactive on the server, without prerendering: an input is shown only once it is live, so
    /// nothing typed before the circuit connects is lost.
    /// </summary>
    public static IComponentRenderMode Interactive { get; } = new InteractiveServerRenderMode(prerender: false);
}

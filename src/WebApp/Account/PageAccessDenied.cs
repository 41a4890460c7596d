using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Components.Endpoints;

namespace CollabEditor.WebApp.Account;

/// <summary>
/// A signed-in user who lacks the role a page needs gets that page's address answered with
/// "access denied" (403) by the router (Routes.razor, AuthorizeRouteView checks the page's same
/// [Authorize] again and renders <c>AccessDenied</c>), instead of the cookie's redirect to the sign-in
/// form, where a signed-in user can only sign in again and be sent back. Everything else (anonymous
/// callers, the API, the hub, any endpoint that is not a page) keeps the default handling.
/// </summary>
internal sealed class PageAccessDenied : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Forbidden
            && context.User.Identity?.IsAuthenticated == true
            && context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is not null)
        {
            return next(context);
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}

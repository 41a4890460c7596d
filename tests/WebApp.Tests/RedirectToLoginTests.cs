using Bunit;
using CollabEditor.WebApp.Components;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace CollabEditor.WebApp.Tests;

public sealed class RedirectToLoginTests : BunitContext
{
    [Fact]
    public void NotSignedIn_IsSentToSignIn_WithTheReturnUrl()
    {
        var nav = Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo("/products/7");
        Render<RedirectToLogin>();
        Assert.EndsWith("/account/login?ReturnUrl=%2Fproducts%2F7", nav.Uri, StringComparison.Ordinal);
    }
}

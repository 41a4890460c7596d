using System.Security.Claims;
using Bunit;
using CollabEditor.Core.Users;
using CollabEditor.WebApp.Account;
using CollabEditor.WebApp.Admin;
using CollabEditor.WebApp.Products;
using MudBlazor.Services;

namespace CollabEditor.WebApp.Tests;

/// <summary>What a signed-in user without a page's role reads (the HTTP side: AuthorizationMatrixTests).</summary>
public sealed class AccessDeniedTests : BunitContext
{
    public AccessDeniedTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private void SignIn(string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("alice");
        auth.SetRoles(role);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "alice-id"), new Claim(DisplayNameClaimsFactory.DisplayNameClaim, "Alice"));
    }

    private string Message(Type? page) =>
        Render<AccessDenied>(p => p.Add(x => x.PageType, page)).Find("[data-testid=access-denied-message]").TextContent.Trim();

    [Fact]
    public void AnEditorOnAnAdminPage_IsToldWhoSheIs_AndTheRoleThePageNeeds()
    {
        SignIn(Roles.Editor);

        Assert.Equal("You are signed in as Alice (Editor). This page needs the Admin role.", Message(typeof(Locks)));
    }

    [Fact]
    public void APageForSeveralRoles_NamesThemAll()
    {
        SignIn("Viewer");

        Assert.Equal("You are signed in as Alice, with no role. This page needs one of the roles Editor, Admin.", Message(typeof(ProductList)));
    }

    [Fact]
    public void WithoutAPage_SaysNoMoreThanItKnows()
    {
        SignIn(Roles.Editor);

        Assert.Equal("You are signed in as Alice (Editor). You do not have access to this page.", Message(null));
    }
}

using System.Net;

namespace CollabEditor.WebApp.Tests;

public sealed class AuthenticationTests(AppHost host) : IClassFixture<AppHost>
{
    // A plain client over the real port, so redirects are seen as the browser gets them.
    private HttpClient Client() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

    [Theory]
    [InlineData("/")]
    [InlineData("/products")]
    [InlineData("/products/1")]
    [InlineData("/products/new")]
    public async Task NotSignedIn_IsSentToSignIn(string path)
    {
        using var client = Client();
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login?ReturnUrl=", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignInPage_IsOpenToEveryone()
    {
        using var client = Client();
        using var response = await client.GetAsync("/account/login");
        response.EnsureSuccessStatusCode();
        Assert.Contains("Sign in to CollabEditor", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaticAssets_AreServedWithoutSignIn()
    {
        using var client = Client();
        using var response = await client.GetAsync("/_content/MudBlazor/MudBlazor.min.css");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

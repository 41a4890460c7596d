using System.Net;
using System.Text.RegularExpressions;
using CollabEditor.Data.Seeding;

namespace CollabEditor.WebApp.Tests;

/// <summary>Signs in through the real sign-in form over HTTP and returns the cookies, for non-browser clients.</summary>
public static partial class SignIn
{
    public static async Task<CookieContainer> CookiesAsync(Uri baseAddress, string user, string password = DemoData.DemoPassword)
    {
        var cookies = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = baseAddress };
        var form = await client.GetStringAsync("/account/login");
        var token = AntiforgeryToken().Match(form).Groups[1].Value;
        using var post = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["_handler"] = "login",
            ["Input.UserName"] = user,
            ["Input.Password"] = password,
        });
        using var response = await client.PostAsync("/account/login", post);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in as {user} failed: {response.StatusCode}");
        }

        return cookies;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}

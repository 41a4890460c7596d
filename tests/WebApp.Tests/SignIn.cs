using System.Net;
using System.Net.Sockets;
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
        using var response = await PostFormAsync(client, user, password);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in as {user} failed: {response.StatusCode}");
        }

        return cookies;
    }

    /// <summary>Opens the sign-in page on <paramref name="client"/> (which keeps cookies) and submits the form; the answer as it comes.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string user, string password)
    {
        ArgumentNullException.ThrowIfNull(client);
        var form = await client.GetStringAsync("/account/login");
        using var post = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = FormToken(form),
            ["_handler"] = "login",
            ["Input.UserName"] = user,
            ["Input.Password"] = password,
        });
        return await client.PostAsync("/account/login", post);
    }

    /// <summary>The antiforgery token of the (first) form in <paramref name="html"/>.</summary>
    public static string FormToken(string html) => WebUtility.HtmlDecode(AntiforgeryToken().Match(html).Groups[1].Value);

    /// <summary>
    /// A client whose connections come from <paramref name="source"/> (any 127.x.y.z reaches the app on Linux), so
    /// a test can be several client addresses; keeps cookies, follows no redirects.
    /// </summary>
    public static HttpClient ClientFrom(Uri baseAddress, string source, CookieContainer? cookies = null) =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            CookieContainer = cookies ?? new CookieContainer(),
            ConnectCallback = async (context, cancellation) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        { BaseAddress = baseAddress };

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}

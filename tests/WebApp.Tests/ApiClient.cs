using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CollabEditor.Data.Seeding;

namespace CollabEditor.WebApp.Tests;

/// <summary>HTTP clients for the API over the real port, signed in with bearer tokens from /api/auth/token.</summary>
public static class ApiClient
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<string> TokenAsync(Uri baseAddress, string user, string password = DemoData.DemoPassword)
    {
        using var anonymous = Anonymous(baseAddress);
        using var response = await anonymous.PostAsJsonAsync("/api/auth/token", new { userName = user, password });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("accessToken").GetString()!;
    }

    public static async Task<HttpClient> SignedInAsync(Uri baseAddress, string user)
    {
        var client = Anonymous(baseAddress);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(baseAddress, user));
        return client;
    }

    public static HttpClient Anonymous(Uri baseAddress) => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = baseAddress };

    public static HttpRequestMessage Request(HttpMethod method, string path, object? body = null, string? ifMatch = null, string? ifNoneMatch = null, Guid? leaseToken = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        if (leaseToken is not null)
        {
            request.Headers.Add("Lease-Token", leaseToken.ToString());
        }

        return request;
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }
}

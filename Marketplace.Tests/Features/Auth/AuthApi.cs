using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Auth;

/// <summary>An account made through the API for one test, with the tokens of its first session.</summary>
public sealed record RegisteredUser(int Id, string Email, string Password, string AccessToken, string RefreshToken);

/// <summary>The auth endpoints as the tests call them.</summary>
public static class AuthApi
{
    public const string Base = "/api/v1/marketplace/auth";

    public static string NewEmail(string tag = "user") => $"{tag}.{Guid.NewGuid():N}@example.test";

    public static async Task<RegisteredUser> RegisterAsync(this HttpClient client, string? email = null, string password = "a-long-enough-password", string? firstName = "Ann")
    {
        email ??= NewEmail();
        var json = await (await client.PostAsJsonAsync($"{Base}/register", new { email, password, firstName })).AssertJson(HttpStatusCode.Created);
        return new RegisteredUser(json.GetProperty("user").GetProperty("id").GetInt32(), email, password,
            json.GetProperty("accessToken").GetString()!, json.GetProperty("refreshToken").GetString()!);
    }

    public static Task<HttpResponseMessage> LoginAsync(this HttpClient client, string email, string password) =>
        client.PostAsJsonAsync($"{Base}/login", new { email, password });

    public static Task<HttpResponseMessage> RefreshAsync(this HttpClient client, string refreshToken) =>
        client.PostAsJsonAsync($"{Base}/refresh", new { refreshToken });

    public static Task<HttpResponseMessage> MeAsync(this HttpClient client, string accessToken) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"{Base}/me") { Headers = { Authorization = new("Bearer", accessToken) } });

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string path, object body, string? accessToken) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"{Base}/{path}")
        {
            Content = JsonContent.Create(body),
            Headers = { Authorization = accessToken is null ? null : new("Bearer", accessToken) },
        });

    /// <summary>
    /// Waits until the background worker has handled every queued forgot-password /
    /// resend-verification request of this address (the endpoints answer before the work).
    /// </summary>
    public static async Task WaitUntilMailRequestsHandledAsync(this AppFixture app, string email)
    {
        var normalized = email.Trim().ToLowerInvariant();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString);
            await connection.OpenAsync();
            await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM marketplace.auth_mail_requests WHERE email = $1", connection)
            {
                Parameters = { new() { Value = normalized } },
            };
            if ((long)(await count.ExecuteScalarAsync())! == 0)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"mail requests of {email} still queued after 15 s");
            await Task.Delay(20);
        }
    }

    public static string AccessToken(JsonElement auth) => auth.GetProperty("accessToken").GetString()!;

    public static string RefreshToken(JsonElement auth) => auth.GetProperty("refreshToken").GetString()!;
}

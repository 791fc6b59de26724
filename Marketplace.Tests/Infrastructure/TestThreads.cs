using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Marketplace.Api.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Infrastructure;

/// <summary>Starts message threads through the API, for the messaging tests that are not about starting them.</summary>
public static class TestThreads
{
    public const string ThreadsUrl = "/api/v1/marketplace/messages/threads";

    public static string ThreadUrl(int id) => $"{ThreadsUrl}/{id}";

    public static string MessagesUrl(int id) => $"{ThreadsUrl}/{id}/messages";

    /// <summary>A client's new thread with the provider (about the listing when given); returns its id.</summary>
    public static async Task<int> StartThreadAsync(this AppFixture app, TestUser client, TestProvider provider, int? listingId = null, string body = "Hello, is Saturday free?")
    {
        var response = await app.Client(client.AccessToken).PostJson(ThreadsUrl,
            listingId is null ? new { providerId = provider.Id, body } : new { listingId, body });
        var json = await response.AssertJson(HttpStatusCode.Created);
        return json.GetProperty("id").GetInt32();
    }

    /// <summary>The caller's unread count of the thread, as their thread list shows it.</summary>
    public static async Task<int> UnreadCountAsync(this AppFixture app, TestUser user, int threadId)
    {
        var json = await (await app.Client(user.AccessToken).GetAsync($"{ThreadsUrl}?limit=100")).AssertJson(HttpStatusCode.OK);
        return json.GetProperty("items").EnumerateArray().Single(t => t.GetProperty("id").GetInt32() == threadId)
            .GetProperty("unreadCount").GetInt32();
    }

    public static JsonElement Item(this JsonElement page, int id) =>
        page.GetProperty("items").EnumerateArray().Single(t => t.GetProperty("id").GetInt32() == id);

    /// <summary>
    /// A client of an isolated host for the user, with an access token minted by that host (so by
    /// its clock: a token of the shared host would look expired once a test clock moves on).
    /// </summary>
    public static HttpClient ClientFor(this WebApplicationFactory<Program> host, TestUser user)
    {
        var token = host.Services.GetRequiredService<SessionTokens>().AccessToken(user.Id, user.SessionId, out _);
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

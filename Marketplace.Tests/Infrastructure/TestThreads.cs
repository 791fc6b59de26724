using System.Net;
using System.Text.Json;

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
}

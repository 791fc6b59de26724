using System.Net;
using System.Text.Json;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Integrations;

/// <summary>Reads the events feed as a caller.</summary>
public static class TestEvents
{
    public const string EventsUrl = TestBookings.Api + "/events";

    public static async Task<JsonElement> FeedAsync(this HttpClient client, long after = 0, string? types = null, int limit = 100)
    {
        var url = $"{EventsUrl}?after={after}&limit={limit}" + (types is null ? "" : $"&types={types}");
        return await (await client.GetAsync(url)).AssertJson(HttpStatusCode.OK);
    }

    /// <summary>
    /// Every event of the caller after <paramref name="after"/>, waiting (briefly) until
    /// <paramref name="until"/> holds: an event shows once every transaction older than it has
    /// ended, and other tests' transactions run on the same server.
    /// </summary>
    public static async Task<List<JsonElement>> EventsAsync(this HttpClient client, Func<List<JsonElement>, bool> until, long after = 0, string? types = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var all = new List<JsonElement>();
            var position = after;
            while (true)
            {
                var page = await client.FeedAsync(position, types);
                var items = page.GetProperty("items").EnumerateArray().ToList();
                all.AddRange(items);
                position = page.GetProperty("nextAfter").GetInt64();
                if (items.Count < 100)
                {
                    break;
                }
            }
            if (until(all) || DateTime.UtcNow > deadline)
            {
                return all;
            }
            await Task.Delay(50);
        }
    }

    public static IEnumerable<string> Types(this IEnumerable<JsonElement> events) => events.Select(e => e.GetProperty("type").GetString()!);

    public static JsonElement Last(this IEnumerable<JsonElement> events, string type, string resourceId) =>
        events.Last(e => e.GetProperty("type").GetString() == type && e.GetProperty("resource").GetProperty("id").GetString() == resourceId);
}

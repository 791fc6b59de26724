using System.Net;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings;

/// <summary>DESIGN: provider statistics are kept exact by the writes that move them; recomputed here from the rows.</summary>
public sealed class CountersTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Total_and_active_listings_stay_exact_through_every_create_publish_pause_and_delete()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var client = app.Client(owner.AccessToken);
        var ids = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await app.CreateListingAsync(owner, b => b["title"] = $"Service {i}")).GetProperty("id").GetInt32());
            await app.AssertCountersExactAsync(providerId);
        }

        async Task Do(HttpMethod method, string path, HttpStatusCode expected)
        {
            var response = await client.SendAsync(new HttpRequestMessage(method, $"/api/v1/marketplace/listings/{path}"));
            Assert.Equal(expected, response.StatusCode);
            await app.AssertCountersExactAsync(providerId);
        }

        await Do(HttpMethod.Post, $"{ids[0]}/publish", HttpStatusCode.OK);
        await Do(HttpMethod.Post, $"{ids[1]}/publish", HttpStatusCode.OK);
        await Do(HttpMethod.Post, $"{ids[2]}/publish", HttpStatusCode.OK);
        await Do(HttpMethod.Post, $"{ids[1]}/pause", HttpStatusCode.OK);
        await Do(HttpMethod.Post, $"{ids[1]}/pause", HttpStatusCode.Conflict);
        await Do(HttpMethod.Delete, $"{ids[0]}", HttpStatusCode.NoContent);
        await Do(HttpMethod.Delete, $"{ids[1]}", HttpStatusCode.NoContent);
        await Do(HttpMethod.Delete, $"{ids[3]}", HttpStatusCode.NoContent);
        await Do(HttpMethod.Delete, $"{ids[3]}", HttpStatusCode.NoContent);
        await Do(HttpMethod.Post, $"{ids[0]}/publish", HttpStatusCode.NotFound);
        await Do(HttpMethod.Post, $"{ids[4]}/publish", HttpStatusCode.OK);
        await Do(HttpMethod.Post, $"{ids[2]}/pause", HttpStatusCode.OK);
        await Do(HttpMethod.Post, $"{ids[2]}/publish", HttpStatusCode.OK);

        var me = await (await client.GetAsync("/api/v1/marketplace/providers/me")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(2, me.GetProperty("totalListings").GetInt32());
        Assert.Equal(2, me.GetProperty("activeListings").GetInt32());
    }

    [Fact]
    public async Task Concurrent_deletes_and_pauses_keep_the_counters_exact()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var client = app.Client(owner.AccessToken);
        var ids = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await app.CreatePublishedListingAsync(owner)).GetProperty("id").GetInt32());
        }

        await Task.WhenAll(ids.SelectMany(id => new[]
        {
            client.PostAsync($"/api/v1/marketplace/listings/{id}/pause", null),
            client.DeleteAsync($"/api/v1/marketplace/listings/{id}"),
            client.DeleteAsync($"/api/v1/marketplace/listings/{id}"),
        }));

        await app.AssertCountersExactAsync(providerId);
    }
}

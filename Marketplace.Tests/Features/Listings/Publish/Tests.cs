using System.Net;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings.Publish;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int id) => $"/api/v1/marketplace/listings/{id}/publish";

    [Fact]
    public async Task Publishing_a_draft_makes_it_active_and_counts_it()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var id = (await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();

        var json = await (await app.Client(owner.AccessToken).PostAsync(Url(id), null)).AssertJson(HttpStatusCode.OK);

        Assert.Equal("active", json.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.String, json.GetProperty("publishedAt").ValueKind);
        await app.AssertCountersExactAsync(providerId);
        Assert.Equal(["create:->draft", "publish:draft->active"], await app.AuditTrailAsync("listing", id));
    }

    [Fact]
    public async Task Republishing_a_paused_listing_keeps_its_first_publication_time()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var published = await app.CreatePublishedListingAsync(owner);
        var id = published.GetProperty("id").GetInt32();
        var client = app.Client(owner.AccessToken);
        await (await client.PostAsync($"/api/v1/marketplace/listings/{id}/pause", null)).AssertJson(HttpStatusCode.OK);

        var json = await (await client.PostAsync(Url(id), null)).AssertJson(HttpStatusCode.OK);

        Assert.Equal(published.GetProperty("publishedAt").GetDateTime(), json.GetProperty("publishedAt").GetDateTime());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("pausedAt").ValueKind);
        await app.AssertCountersExactAsync(providerId);
    }

    [Fact]
    public async Task Publishing_an_active_listing_is_an_invalid_transition()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var id = (await app.CreatePublishedListingAsync(owner)).GetProperty("id").GetInt32();
        await (await app.Client(owner.AccessToken).PostAsync(Url(id), null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task Publishing_an_archived_listing_is_an_invalid_transition()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var id = (await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();
        using (var db = app.Db())
        {
            await db.Listings.Where(l => l.Id == id).Set(l => l.Status, "archived").UpdateAsync();
        }
        await (await app.Client(owner.AccessToken).PostAsync(Url(id), null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        await app.AssertCountersExactAsync(providerId);
    }

    [Fact]
    public async Task Publishing_a_draft_without_a_description_is_rejected()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var id = (await app.CreateListingAsync(owner, b => b["description"] = null)).GetProperty("id").GetInt32();
        var problem = await (await app.Client(owner.AccessToken).PostAsync(Url(id), null)).AssertProblem(HttpStatusCode.Conflict, "listing_incomplete");
        Assert.Contains("description", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await app.AssertCountersExactAsync(providerId);
    }

    [Fact]
    public async Task Publishing_a_draft_without_a_price_type_is_rejected()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var id = (await app.CreateListingAsync(owner, b =>
        {
            b["priceType"] = null;
            b["priceCents"] = null;
        })).GetProperty("id").GetInt32();
        await (await app.Client(owner.AccessToken).PostAsync(Url(id), null)).AssertProblem(HttpStatusCode.Conflict, "listing_incomplete");
    }

    [Fact]
    public async Task A_pending_provider_cannot_publish()
    {
        var (owner, providerId) = await app.RegisterProviderAsync("stripe_connect");
        var id = (await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();
        await (await app.Client(owner.AccessToken).PostAsync(Url(id), null)).AssertProblem(HttpStatusCode.Conflict, "provider_not_active");
        using var db = app.Db();
        Assert.Equal("draft", await db.Listings.Where(l => l.Id == id).Select(l => l.Status).SingleAsync());
        await app.AssertCountersExactAsync(providerId);
    }

    [Fact]
    public async Task Another_providers_listing_is_404()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var (other, _) = await app.RegisterProviderAsync();
        var id = (await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();
        await (await app.Client(other.AccessToken).PostAsync(Url(id), null)).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Concurrent_publishes_count_the_listing_once()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var id = (await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();
        var client = app.Client(owner.AccessToken);

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.PostAsync(Url(id), null)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        await app.AssertCountersExactAsync(providerId);
    }
}

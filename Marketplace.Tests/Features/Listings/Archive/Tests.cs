using System.Net;
using Marketplace.Tests.Features.Admin;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings.Archive;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int id) => $"/api/v1/marketplace/listings/{id}/archive";

    [Fact]
    public async Task Archiving_an_active_listing_hides_it_for_good_and_keeps_it_counted_in_the_total()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var listing = await app.CreatePublishedListingAsync(owner);
        var id = listing.GetProperty("id").GetInt32();
        var client = app.Client(owner.AccessToken);

        var json = await (await client.PostAsync(Url(id), null)).AssertJson(HttpStatusCode.OK);

        Assert.Equal("archived", json.GetProperty("status").GetString());
        await app.AssertCountersExactAsync(providerId);
        Assert.Equal(["create:->draft", "publish:draft->active", "archive:active->archived"], await app.AuditTrailAsync("listing", id));
        Assert.Equal(["listing.published", "listing.archived"], app.EventTypesOf("listing", id));
        var slug = listing.GetProperty("slug").GetString();
        await (await app.Client().GetAsync($"/api/v1/marketplace/listings/{slug}")).AssertProblem(HttpStatusCode.NotFound, "not_found");

        // final: no way back, no edits, no second archive
        await (await client.PostAsync($"/api/v1/marketplace/listings/{id}/publish", null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        await (await client.PatchJson($"/api/v1/marketplace/listings/{id}", new { title = "Back again" })).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        await (await client.PostAsync(Url(id), null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        await app.AssertCountersExactAsync(providerId);
    }

    [Fact]
    public async Task A_draft_can_be_archived_and_another_providers_listing_is_404()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var (other, _) = await app.RegisterProviderAsync();
        var id = (await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();
        await (await app.Client(other.AccessToken).PostAsync(Url(id), null)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client(owner.AccessToken).PostAsync(Url(id), null)).AssertJson(HttpStatusCode.OK);
        await app.AssertCountersExactAsync(providerId);
    }

    [Fact]
    public async Task Without_a_token_it_is_401_and_a_buyer_is_403()
    {
        await (await app.Client().PostAsync(Url(1), null)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        var buyer = await app.CreateAsync();
        await (await app.Client(buyer.AccessToken).PostAsync(Url(1), null)).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
    }
}

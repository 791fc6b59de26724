using System.Net;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings.Pause;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int id) => $"/api/v1/marketplace/listings/{id}/pause";

    [Fact]
    public async Task Pausing_an_active_listing_hides_it_and_uncounts_it()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var listing = await app.CreatePublishedListingAsync(owner);
        var id = listing.GetProperty("id").GetInt32();

        var json = await (await app.Client(owner.AccessToken).PostAsync(Url(id), null)).AssertJson(HttpStatusCode.OK);

        Assert.Equal("paused", json.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.String, json.GetProperty("pausedAt").ValueKind);
        await app.AssertCountersExactAsync(providerId);
        Assert.Equal(["create:->draft", "publish:draft->active", "pause:active->paused"], await app.AuditTrailAsync("listing", id));
        var slug = listing.GetProperty("slug").GetString();
        await (await app.Client().GetAsync($"/api/v1/marketplace/listings/{slug}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pausing_a_draft_or_a_paused_listing_is_an_invalid_transition(bool paused)
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var id = (paused ? await app.CreatePublishedListingAsync(owner) : await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();
        var client = app.Client(owner.AccessToken);
        if (paused)
        {
            await (await client.PostAsync(Url(id), null)).AssertJson(HttpStatusCode.OK);
        }
        await (await client.PostAsync(Url(id), null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        await app.AssertCountersExactAsync(providerId);
    }

    [Fact]
    public async Task Another_providers_listing_is_404()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var (other, _) = await app.RegisterProviderAsync();
        var id = (await app.CreatePublishedListingAsync(owner)).GetProperty("id").GetInt32();
        await (await app.Client(other.AccessToken).PostAsync(Url(id), null)).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        await (await app.Client().PostAsync(Url(1), null)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}

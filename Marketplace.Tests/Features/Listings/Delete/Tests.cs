using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings.Delete;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Delete_is_soft_idempotent_and_moves_the_counters()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();
        var listing = await app.CreatePublishedListingAsync(owner);
        var id = listing.GetProperty("id").GetInt32();
        var client = app.Client(owner.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/marketplace/listings/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/marketplace/listings/{id}")).StatusCode);

        using var db = app.Db();
        var row = await db.Listings.SingleAsync(l => l.Id == id);
        Assert.NotNull(row.DeletedAt);
        await app.AssertCountersExactAsync(providerId);
        Assert.Equal(0, await db.Providers.Where(p => p.Id == providerId).Select(p => p.ActiveListings).SingleAsync());
        Assert.Equal(["create:->draft", "publish:draft->active", "delete:active->"], await app.AuditTrailAsync("listing", id));

        var slug = listing.GetProperty("slug").GetString();
        await (await app.Client().GetAsync($"/api/v1/marketplace/listings/{slug}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await client.GetAsync($"/api/v1/marketplace/listings/{slug}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Another_providers_listing_is_404_and_untouched()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var (other, _) = await app.RegisterProviderAsync();
        var id = (await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();

        await (await app.Client(other.AccessToken).DeleteAsync($"/api/v1/marketplace/listings/{id}")).AssertProblem(HttpStatusCode.NotFound, "not_found");

        using var db = app.Db();
        Assert.Null(await db.Listings.Where(l => l.Id == id).Select(l => l.DeletedAt).SingleAsync());
    }

    [Fact]
    public async Task An_unknown_listing_is_404()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        await (await app.Client(owner.AccessToken).DeleteAsync("/api/v1/marketplace/listings/2147483000")).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_user_who_is_not_a_provider_is_403()
    {
        var user = await app.CreateAsync();
        await (await app.Client(user.AccessToken).DeleteAsync("/api/v1/marketplace/listings/1")).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
    }
}

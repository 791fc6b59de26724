using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings.Save;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int id) => $"/api/v1/marketplace/listings/{id}/save";

    [Fact]
    public async Task Saving_twice_keeps_one_row_with_the_first_time()
    {
        var provider = await app.CreateProviderAsync();
        var listing = await app.CreateListingAsync(provider);
        var user = await app.CreateAsync();
        var client = app.Client(user.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync(Url(listing), null)).StatusCode);
        using var db = app.Db();
        var first = await db.SavedListings.SingleAsync(s => s.UserId == user.Id && s.ListingId == listing);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync(Url(listing), null)).StatusCode);
        var again = await db.SavedListings.SingleAsync(s => s.UserId == user.Id && s.ListingId == listing);
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(first.SavedAt, again.SavedAt);
    }

    [Fact]
    public async Task A_listing_that_is_not_public_cannot_be_saved()
    {
        var provider = await app.CreateProviderAsync();
        var draft = await app.CreateListingAsync(provider, status: "draft");
        var user = await app.CreateAsync();
        await (await app.Client(user.AccessToken).PostAsync(Url(draft), null)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client(user.AccessToken).PostAsync(Url(2147483000), null)).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        await (await app.Client().PostAsync(Url(1), null)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}

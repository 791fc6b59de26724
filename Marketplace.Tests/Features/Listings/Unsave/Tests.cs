using System.Net;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings.Unsave;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int id) => $"/api/v1/marketplace/listings/{id}/save";

    [Fact]
    public async Task Unsaving_removes_the_row_and_is_idempotent()
    {
        var provider = await app.CreateProviderAsync();
        var listing = await app.CreateListingAsync(provider);
        var user = await app.CreateAsync();
        var client = app.Client(user.AccessToken);
        await client.PostAsync(Url(listing), null);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(Url(listing))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(Url(listing))).StatusCode);

        using var db = app.Db();
        Assert.False(await db.SavedListings.AnyAsync(s => s.UserId == user.Id && s.ListingId == listing));
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        await (await app.Client().DeleteAsync(Url(1))).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}

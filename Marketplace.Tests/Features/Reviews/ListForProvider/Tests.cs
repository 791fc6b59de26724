using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Reviews.ListForProvider;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int providerId) => $"/api/v1/marketplace/providers/{providerId}/reviews";

    [Fact]
    public async Task A_providers_reviews_across_listings_come_newest_first_and_the_summary_matches_the_stored_rating()
    {
        var provider = await app.CreateProviderAsync();
        var grooming = await app.CreateListingAsync(provider);
        var boarding = await app.CreateListingAsync(provider);
        var a = await app.ReviewAsync(provider, 5, grooming);
        var b = await app.ReviewAsync(provider, 3, boarding);
        var c = await app.ReviewAsync(provider, 4);
        await app.ReviewAsync(await app.CreateProviderAsync(), 1);

        var json = await (await app.Client().GetAsync(Url(provider.Id))).AssertJson(HttpStatusCode.OK);

        Assert.Equal([c, b, a], json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()));
        var summary = json.GetProperty("summary");
        using var db = app.Db();
        var stored = await db.Providers.Where(p => p.Id == provider.Id).Select(p => new { p.AverageRating, p.TotalReviews }).SingleAsync();
        Assert.Equal(stored.AverageRating, summary.GetProperty("averageRating").GetDecimal());
        Assert.Equal(stored.TotalReviews, summary.GetProperty("totalReviews").GetInt32());
        Assert.Equal(4.00m, stored.AverageRating);
        Assert.Equal(1, summary.GetProperty("ratingCounts").GetProperty("3").GetInt32());
    }

    [Fact]
    public async Task A_flagged_review_stays_public_until_a_moderator_acts()
    {
        var provider = await app.CreateProviderAsync();
        var id = await app.ReviewAsync(provider, 1);
        await (await app.Client(provider.Owner.AccessToken).PostJson($"/api/v1/marketplace/reviews/{id}/flag", new { reason = "Not our client" }))
            .AssertJson(HttpStatusCode.OK);

        var json = await (await app.Client().GetAsync(Url(provider.Id))).AssertJson(HttpStatusCode.OK);

        Assert.Equal([id], json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()));
        Assert.Equal(1, json.GetProperty("summary").GetProperty("totalReviews").GetInt32());
    }

    [Fact]
    public async Task An_unknown_or_deleted_provider_is_404()
    {
        var deleted = await app.CreateProviderAsync();
        using (var db = app.Db())
        {
            await db.Providers.Where(p => p.Id == deleted.Id).Set(p => p.DeletedAt, DateTime.UtcNow).UpdateAsync();
        }

        await (await app.Client().GetAsync(Url(int.MaxValue))).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client().GetAsync(Url(deleted.Id))).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Paging_rules_apply()
    {
        var provider = await app.CreateProviderAsync();

        await (await app.Client().GetAsync($"{Url(provider.Id)}?limit=101")).AssertValidationError("limit");
        await (await app.Client().GetAsync($"{Url(provider.Id)}?cursor=xyz")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
    }
}

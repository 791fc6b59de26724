using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Reviews.ListForListing;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(string slug) => $"/api/v1/marketplace/listings/{slug}/reviews";

    [Fact]
    public async Task Anyone_reads_a_listings_published_reviews_newest_first_with_a_summary()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var otherListing = await app.CreateListingAsync(provider);
        var first = await app.ReviewAsync(provider, 5, listingId, firstName: "Ada", lastName: "lovelace", title: "Superb");
        var second = await app.ReviewAsync(provider, 4, listingId);
        var third = await app.ReviewAsync(provider, 4, listingId);
        var removed = await app.ReviewAsync(provider, 1, listingId);
        await app.ReviewAsync(provider, 2, otherListing);
        using (var db = app.Db())
        {
            await db.Reviews.Where(r => r.Id == removed).Set(r => r.Status, "removed").UpdateAsync();
        }

        var json = await (await app.Client().GetAsync(Url(await SlugAsync(listingId)))).AssertJson(HttpStatusCode.OK);

        var items = json.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([third, second, first], items.Select(i => i.GetProperty("id").GetInt32()));
        var oldest = items[2];
        Assert.Equal("Ada L.", oldest.GetProperty("reviewerName").GetString());
        Assert.Equal("Superb", oldest.GetProperty("title").GetString());
        Assert.Equal(5, oldest.GetProperty("rating").GetInt32());
        Assert.False(oldest.TryGetProperty("clientId", out _), "the reviewer's id is not public");
        var summary = json.GetProperty("summary");
        Assert.Equal(4.33m, summary.GetProperty("averageRating").GetDecimal());
        Assert.Equal(3, summary.GetProperty("totalReviews").GetInt32());
        var counts = summary.GetProperty("ratingCounts");
        Assert.Equal([0, 0, 0, 2, 1], Enumerable.Range(1, 5).Select(s => counts.GetProperty(s.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetInt32()));
    }

    [Fact]
    public async Task Keyset_pages_walk_every_review_once_and_keep_the_whole_summary()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var ids = new List<int>();
        foreach (var rating in new[] { 1, 2, 3, 4, 5 })
        {
            ids.Add(await app.ReviewAsync(provider, rating, listingId));
        }
        var slug = await SlugAsync(listingId);

        var seen = new List<int>();
        string? cursor = null;
        do
        {
            var page = await (await app.Client().GetAsync($"{Url(slug)}?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"))).AssertJson(HttpStatusCode.OK);
            Assert.Equal(5, page.GetProperty("summary").GetProperty("totalReviews").GetInt32());
            Assert.Equal(3.00m, page.GetProperty("summary").GetProperty("averageRating").GetDecimal());
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Reverse(ids), seen);
    }

    [Fact]
    public async Task A_listing_without_reviews_has_an_empty_summary()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);

        var json = await (await app.Client().GetAsync(Url(await SlugAsync(listingId)))).AssertJson(HttpStatusCode.OK);

        Assert.Equal(0, json.GetProperty("items").GetArrayLength());
        Assert.Equal(0m, json.GetProperty("summary").GetProperty("averageRating").GetDecimal());
        Assert.Equal(0, json.GetProperty("summary").GetProperty("totalReviews").GetInt32());
    }

    [Fact]
    public async Task An_unknown_draft_or_deleted_listing_is_404()
    {
        var provider = await app.CreateProviderAsync();
        var draft = await app.CreateListingAsync(provider, status: "draft");
        var deleted = await app.CreateListingAsync(provider);
        using (var db = app.Db())
        {
            await db.Listings.Where(l => l.Id == deleted).Set(l => l.DeletedAt, DateTime.UtcNow).UpdateAsync();
        }

        await (await app.Client().GetAsync(Url("no-such-listing"))).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client().GetAsync(Url(await SlugAsync(draft)))).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client().GetAsync(Url(await SlugAsync(deleted)))).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Paging_rules_apply()
    {
        var provider = await app.CreateProviderAsync();
        var slug = await SlugAsync(await app.CreateListingAsync(provider));

        await (await app.Client().GetAsync($"{Url(slug)}?limit=0")).AssertValidationError("limit");
        await (await app.Client().GetAsync($"{Url(slug)}?cursor=xyz")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
    }

    private async Task<string> SlugAsync(int listingId)
    {
        using var db = app.Db();
        return await db.Listings.Where(l => l.Id == listingId).Select(l => l.Slug).SingleAsync();
    }
}

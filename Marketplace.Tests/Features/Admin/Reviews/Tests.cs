using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Admin.Reviews;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Reviews = AdminApi.Base + "/reviews";

    /// <summary>The provider's stored rating equals the one recomputed from its review rows (published and flagged count).</summary>
    private async Task<(decimal Average, int Total)> AssertRatingExactAsync(int providerId)
    {
        using var db = app.Db();
        var stored = await db.Providers.Where(p => p.Id == providerId).Select(p => new { p.AverageRating, p.TotalReviews }).SingleAsync();
        var counted = await db.Reviews.Where(r => r.ProviderId == providerId && (r.Status == "published" || r.Status == "flagged")).Select(r => r.Rating).ToListAsync();
        var average = counted.Count == 0 ? 0m : Math.Round((decimal)counted.Sum() / counted.Count, 2, MidpointRounding.AwayFromZero);
        Assert.Equal((average, counted.Count), (stored.AverageRating, stored.TotalReviews));
        return (average, counted.Count);
    }

    [Fact]
    public async Task A_flagged_review_waits_in_the_queue_public_and_counted_until_removal_recomputes_the_rating()
    {
        var admin = await app.CreateAdminAsync();
        var provider = await app.CreateProviderAsync();
        var bad = await app.ReviewAsync(provider, 1);
        await app.ReviewAsync(provider, 5);
        await (await app.Client(provider.Owner.AccessToken).PostJson($"/api/v1/marketplace/reviews/{bad}/flag", new { reason = "Fake" })).AssertJson(HttpStatusCode.OK);
        Assert.Equal((3.00m, 2), await AssertRatingExactAsync(provider.Id));
        var client = app.Client(admin.AccessToken);

        var queue = await (await client.GetAsync($"{Reviews}?status=flagged&providerId={provider.Id}")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(bad, Assert.Single(queue.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt32());
        var publicList = await (await app.Client().GetAsync($"/api/v1/marketplace/providers/{provider.Id}/reviews")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(2, publicList.GetProperty("items").GetArrayLength());

        var removed = await (await client.PostJson($"{Reviews}/{bad}/remove", new { reason = "No such booking." })).AssertJson(HttpStatusCode.OK);

        Assert.Equal("removed", removed.GetProperty("status").GetString());
        Assert.Equal((5.00m, 1), (removed.GetProperty("providerAverageRating").GetDecimal(), removed.GetProperty("providerTotalReviews").GetInt32()));
        Assert.Equal((5.00m, 1), await AssertRatingExactAsync(provider.Id));
        publicList = await (await app.Client().GetAsync($"/api/v1/marketplace/providers/{provider.Id}/reviews")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(1, publicList.GetProperty("items").GetArrayLength());
        Assert.Empty((await (await client.GetAsync($"{Reviews}?status=flagged&providerId={provider.Id}")).AssertJson(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        await (await client.PostJson($"{Reviews}/{bad}/remove", new { reason = "again" })).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");

        var restored = await (await client.PostJson($"{Reviews}/{bad}/restore", new { reason = "Booking found after all." })).AssertJson(HttpStatusCode.OK);
        Assert.Equal("published", restored.GetProperty("status").GetString());
        Assert.Equal((3.00m, 2), await AssertRatingExactAsync(provider.Id));
        await (await client.PostJson($"{Reviews}/{bad}/restore", new { reason = "again" })).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        // a restored review cannot be flagged again
        await (await app.Client(provider.Owner.AccessToken).PostJson($"/api/v1/marketplace/reviews/{bad}/flag", new { reason = "Fake!" })).AssertJson(HttpStatusCode.OK);
        Assert.Equal("published", await app.Db().Reviews.Where(r => r.Id == bad).Select(r => r.Status).FirstAsync());

        Assert.Equal([$"remove:flagged->removed by admin#{admin.Id}", $"restore:removed->published by admin#{admin.Id}"], await app.AdminAuditAsync("review", bad));
        Assert.Equal(["review.created", "review.flagged", "review.removed", "review.restored"], app.EventTypesOf("review", bad));
    }

    [Fact]
    public async Task Moderation_needs_a_reason_a_known_review_and_a_valid_status_filter()
    {
        var admin = await app.CreateAdminAsync();
        var provider = await app.CreateProviderAsync();
        var id = await app.ReviewAsync(provider, 4);
        var client = app.Client(admin.AccessToken);
        await (await client.PostJson($"{Reviews}/{id}/remove", new { reason = "" })).AssertValidationError("reason");
        await (await client.PostJson($"{Reviews}/999999999/remove", new { reason = "x" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await client.GetAsync($"{Reviews}?status=hidden")).AssertValidationError("status");
        await AssertRatingExactAsync(provider.Id);
    }
}

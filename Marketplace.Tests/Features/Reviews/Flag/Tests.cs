using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Reviews.Flag;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int reviewId) => $"/api/v1/marketplace/reviews/{reviewId}/flag";

    [Fact]
    public async Task The_reviewed_provider_flags_a_review_which_becomes_flagged_and_stays_public_and_counted()
    {
        var provider = await app.CreateProviderAsync();
        var id = await app.ReviewAsync(provider, 1);
        await app.ReviewAsync(provider, 5);

        var json = await (await app.Client(provider.Owner.AccessToken).PostJson(Url(id), new { reason = "  Never booked with us.  " }))
            .AssertJson(HttpStatusCode.OK);

        Assert.Equal("flagged", json.GetProperty("status").GetString());
        Assert.True(json.GetProperty("flagged").GetBoolean());
        Assert.Equal("Never booked with us.", json.GetProperty("flaggedReason").GetString());
        using var db = app.Db();
        var review = await db.Reviews.SingleAsync(r => r.Id == id);
        Assert.Equal(("flagged", "Never booked with us."), (review.Status, review.FlaggedReason));
        Assert.NotNull(review.FlaggedAt);
        var stored = await db.Providers.Where(p => p.Id == provider.Id).Select(p => new { p.AverageRating, p.TotalReviews }).SingleAsync();
        Assert.Equal((3.00m, 2), (stored.AverageRating, stored.TotalReviews));
        var audit = await db.AuditLog.SingleAsync(a => a.EntityType == "review" && a.EntityId == id && a.Action == "flagged");
        Assert.Equal(("published", "flagged", (int?)provider.Owner.Id), (audit.FromStatus, audit.ToStatus, audit.ActorUserId));
    }

    [Fact]
    public async Task Flagging_twice_is_idempotent()
    {
        var provider = await app.CreateProviderAsync();
        var id = await app.ReviewAsync(provider, 2);
        var first = await (await app.Client(provider.Owner.AccessToken).PostJson(Url(id), new { reason = "Offensive" })).AssertJson(HttpStatusCode.OK);

        var second = await (await app.Client(provider.Owner.AccessToken).PostJson(Url(id), new { reason = "Changed my mind" })).AssertJson(HttpStatusCode.OK);

        Assert.Equal(first.GetRawText(), second.GetRawText());
        Assert.Equal("Offensive", second.GetProperty("flaggedReason").GetString());
        using var db = app.Db();
        Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "review" && a.EntityId == id && a.Action == "flagged"));
    }

    [Fact]
    public async Task Only_the_reviewed_provider_may_flag()
    {
        var provider = await app.CreateProviderAsync();
        var id = await app.ReviewAsync(provider, 1);
        var otherProvider = await app.CreateProviderAsync();
        var buyer = await app.CreateAsync();

        await (await app.Client(otherProvider.Owner.AccessToken).PostJson(Url(id), new { reason = "Spam" })).AssertProblem(HttpStatusCode.Forbidden, "not_your_review");
        await (await app.Client(buyer.AccessToken).PostJson(Url(id), new { reason = "Spam" })).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
        await (await app.Client().PostJson(Url(id), new { reason = "Spam" })).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await app.Client(provider.Owner.AccessToken).PostJson(Url(int.MaxValue), new { reason = "Spam" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        using var db = app.Db();
        Assert.Null(await db.Reviews.Where(r => r.Id == id).Select(r => r.FlaggedAt).SingleAsync());
    }

    [Fact]
    public async Task An_unverified_provider_cannot_flag()
    {
        var provider = await app.CreateProviderAsync();
        var id = await app.ReviewAsync(provider, 1);
        using (var db = app.Db())
        {
            await db.Users.Where(u => u.Id == provider.Owner.Id).Set(u => u.EmailVerified, false).UpdateAsync();
        }

        var response = await app.Client(provider.Owner.AccessToken).PostJson(Url(id), new { reason = "Spam" });

        await response.AssertProblem(HttpStatusCode.Forbidden, "email_not_verified");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    [InlineData("x501")]
    public async Task A_missing_or_too_long_reason_is_rejected(string? text)
    {
        var provider = await app.CreateProviderAsync();
        var id = await app.ReviewAsync(provider, 1);
        var reason = text == "x501" ? new string('x', 501) : text;

        var response = await app.Client(provider.Owner.AccessToken).PostJson(Url(id), new { reason });

        await response.AssertValidationError("reason");
    }
}

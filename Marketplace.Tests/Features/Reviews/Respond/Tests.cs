using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Reviews.Respond;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int reviewId) => $"/api/v1/marketplace/reviews/{reviewId}/response";

    [Fact]
    public async Task The_reviewed_provider_answers_a_review_publicly()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var id = await app.ReviewAsync(provider, 2, listingId);

        var json = await (await app.Client(provider.Owner.AccessToken).PostJson(Url(id), new { providerResponse = "  Sorry, we will do better.  " }))
            .AssertJson(HttpStatusCode.OK);

        Assert.Equal("Sorry, we will do better.", json.GetProperty("providerResponse").GetString());
        Assert.Equal("published", json.GetProperty("status").GetString());
        using var db = app.Db();
        var review = await db.Reviews.SingleAsync(r => r.Id == id);
        Assert.Equal("Sorry, we will do better.", review.ProviderResponse);
        Assert.NotNull(review.RespondedAt);
        Assert.Equal(review.RespondedAt, json.GetProperty("respondedAt").GetDateTime().ToUniversalTime());
        var audit = await db.AuditLog.SingleAsync(a => a.EntityType == "review" && a.EntityId == id && a.Action == "responded");
        Assert.Equal((provider.Owner.Id, "provider"), (audit.ActorUserId, audit.ActorRole));
        var listed = await (await app.Client().GetAsync($"/api/v1/marketplace/providers/{provider.Id}/reviews")).AssertJson(HttpStatusCode.OK);
        Assert.Equal("Sorry, we will do better.", listed.GetProperty("items")[0].GetProperty("providerResponse").GetString());
    }

    [Fact]
    public async Task A_review_is_answered_once()
    {
        var provider = await app.CreateProviderAsync();
        var id = await app.ReviewAsync(provider, 5);
        await (await app.Client(provider.Owner.AccessToken).PostJson(Url(id), new { providerResponse = "Thank you!" })).AssertJson(HttpStatusCode.OK);

        var again = await app.Client(provider.Owner.AccessToken).PostJson(Url(id), new { providerResponse = "Thanks again!" });

        await again.AssertProblem(HttpStatusCode.Conflict, "already_responded");
        using var db = app.Db();
        Assert.Equal("Thank you!", await db.Reviews.Where(r => r.Id == id).Select(r => r.ProviderResponse).SingleAsync());
    }

    [Fact]
    public async Task Only_the_reviewed_provider_may_answer()
    {
        var provider = await app.CreateProviderAsync();
        var id = await app.ReviewAsync(provider, 3);
        var otherProvider = await app.CreateProviderAsync();
        var buyer = await app.CreateAsync();

        await (await app.Client(otherProvider.Owner.AccessToken).PostJson(Url(id), new { providerResponse = "Hi" })).AssertProblem(HttpStatusCode.Forbidden, "not_your_review");
        await (await app.Client(buyer.AccessToken).PostJson(Url(id), new { providerResponse = "Hi" })).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
        await (await app.Client().PostJson(Url(id), new { providerResponse = "Hi" })).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await app.Client(provider.Owner.AccessToken).PostJson(Url(int.MaxValue), new { providerResponse = "Hi" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_removed_review_cannot_be_answered()
    {
        var provider = await app.CreateProviderAsync();
        var id = await app.ReviewAsync(provider, 1);
        using (var db = app.Db())
        {
            await db.Reviews.Where(r => r.Id == id).Set(r => r.Status, "removed").UpdateAsync();
        }

        var response = await app.Client(provider.Owner.AccessToken).PostJson(Url(id), new { providerResponse = "Hi" });

        await response.AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    [InlineData("x5001")]
    public async Task An_empty_or_too_long_answer_is_rejected(string? text)
    {
        var provider = await app.CreateProviderAsync();
        var id = await app.ReviewAsync(provider, 4);
        var providerResponse = text == "x5001" ? new string('x', 5001) : text;

        var response = await app.Client(provider.Owner.AccessToken).PostJson(Url(id), new { providerResponse });

        await response.AssertValidationError("providerResponse");
    }
}

using System.Net;

namespace Marketplace.Tests.Infrastructure;

/// <summary>Reviews posted through the API by a fresh client of a completed booking, for the review tests not about posting.</summary>
public static class TestReviews
{
    public const string ReviewsUrl = "/api/v1/marketplace/reviews";

    public static async Task<int> ReviewAsync(this AppFixture app, TestProvider provider, int rating, int? listingId = null,
        string? firstName = "Test", string? lastName = "User", string? title = null)
    {
        var client = await app.CreateAsync(firstName: firstName, lastName: lastName);
        var transactionId = await app.CreateTransactionAsync(client, provider, listingId);
        var response = await app.Client(client.AccessToken).PostJson(ReviewsUrl, new { transactionId, rating, title, reviewText = $"Rated {rating}." });
        return (await response.AssertJson(HttpStatusCode.Created)).GetProperty("id").GetInt32();
    }
}

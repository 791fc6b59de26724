using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Tests.Infrastructure;
using static Marketplace.Tests.Infrastructure.TestReviews;

namespace Marketplace.Tests.Features.Reviews.Create;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task The_client_of_a_completed_booking_reviews_it_and_the_providers_rating_moves()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var transactionId = await app.CreateTransactionAsync(client, provider, listingId);

        var response = await app.Client(client.AccessToken).PostJson(ReviewsUrl,
            new { transactionId, rating = 4, title = "  Great groom  ", reviewText = "Lovely staff." });

        var json = await response.AssertJson(HttpStatusCode.Created);
        var id = json.GetProperty("id").GetInt32();
        Assert.Equal(4, json.GetProperty("rating").GetInt32());
        Assert.Equal("Great groom", json.GetProperty("title").GetString());
        Assert.Equal("published", json.GetProperty("status").GetString());
        Assert.Equal(listingId, json.GetProperty("listingId").GetInt32());
        Assert.Equal(provider.Id, json.GetProperty("providerId").GetInt32());
        using var db = app.Db();
        var review = await db.Reviews.SingleAsync(r => r.Id == id);
        Assert.Equal((transactionId, client.Id, provider.Id, "Lovely staff."), (review.TransactionId, review.ClientId, review.ProviderId, review.ReviewText));
        var stored = await db.Providers.Where(p => p.Id == provider.Id).Select(p => new { p.AverageRating, p.TotalReviews }).SingleAsync();
        Assert.Equal(4.00m, stored.AverageRating);
        Assert.Equal(1, stored.TotalReviews);
        var audit = await db.AuditLog.SingleAsync(a => a.EntityType == "review" && a.EntityId == id);
        Assert.Equal(("created", null, "published", (int?)client.Id, "client"), (audit.Action, audit.FromStatus, audit.ToStatus, audit.ActorUserId, audit.ActorRole));
    }

    [Fact]
    public async Task A_transaction_is_reviewed_once()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var transactionId = await app.CreateTransactionAsync(client, provider);
        await (await app.Client(client.AccessToken).PostJson(ReviewsUrl, new { transactionId, rating = 5 })).AssertJson(HttpStatusCode.Created);

        var again = await app.Client(client.AccessToken).PostJson(ReviewsUrl, new { transactionId, rating = 1 });

        await again.AssertProblem(HttpStatusCode.Conflict, "review_exists");
        using var db = app.Db();
        Assert.Equal(5.00m, await db.Providers.Where(p => p.Id == provider.Id).Select(p => p.AverageRating).SingleAsync());
    }

    [Fact]
    public async Task Two_concurrent_reviews_of_one_transaction_make_one_review()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var transactionId = await app.CreateTransactionAsync(client, provider);

        var responses = await Task.WhenAll(
            app.Client(client.AccessToken).PostJson(ReviewsUrl, new { transactionId, rating = 5 }),
            app.Client(client.AccessToken).PostJson(ReviewsUrl, new { transactionId, rating = 2 }));

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
        await responses.Single(r => r.StatusCode == HttpStatusCode.Conflict).AssertProblem(HttpStatusCode.Conflict, "review_exists");
        using var db = app.Db();
        var review = await db.Reviews.SingleAsync(r => r.TransactionId == transactionId);
        var stored = await db.Providers.Where(p => p.Id == provider.Id).Select(p => new { p.AverageRating, p.TotalReviews }).SingleAsync();
        Assert.Equal((review.Rating, 1), ((int)stored.AverageRating, stored.TotalReviews));
    }

    [Fact]
    public async Task Rating_aggregates_recomputed_from_the_rows_equal_the_stored_ones_after_many_concurrent_reviews()
    {
        var provider = await app.CreateProviderAsync();
        // a review a moderator removed earlier: it must not count
        var removedBy = await app.CreateAsync();
        var removedTransaction = await app.CreateTransactionAsync(removedBy, provider);
        using (var db = app.Db())
        {
            await db.InsertAsync(new ReviewRow
            {
                TransactionId = removedTransaction, ProviderId = provider.Id, ClientId = removedBy.Id, Rating = 1,
                Status = "removed", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            });
        }
        int[] ratings = [5, 5, 5, 5, 4, 4, 4, 1, 3, 2, 5, 4, 3, 5, 2, 4];
        var clients = await Task.WhenAll(ratings.Select(_ => app.CreateAsync()));
        var transactions = await Task.WhenAll(clients.Select(c => app.CreateTransactionAsync(c, provider)));

        var responses = await Task.WhenAll(ratings.Select((rating, i) =>
            app.Client(clients[i].AccessToken).PostJson(ReviewsUrl, new { transactionId = transactions[i], rating })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        using var check = app.Db();
        var published = await check.Reviews.Where(r => r.ProviderId == provider.Id && r.Status == "published").Select(r => r.Rating).ToListAsync();
        var expectedAverage = Math.Round((decimal)published.Sum() / published.Count, 2, MidpointRounding.AwayFromZero);
        var stored = await check.Providers.Where(p => p.Id == provider.Id).Select(p => new { p.AverageRating, p.TotalReviews }).SingleAsync();
        Assert.Equal(ratings.Length, published.Count);
        Assert.Equal(published.Count, stored.TotalReviews);
        Assert.Equal(expectedAverage, stored.AverageRating);
        Assert.Equal(3.81m, stored.AverageRating); // 61 / 16 = 3.8125
    }

    [Fact]
    public async Task The_average_rounds_half_up_to_two_decimals()
    {
        var provider = await app.CreateProviderAsync();
        foreach (var rating in new[] { 5, 5, 5, 5, 4, 4, 4, 1 }) // 33 / 8 = 4.125
        {
            await app.ReviewAsync(provider, rating);
        }

        using var db = app.Db();
        Assert.Equal(4.13m, await db.Providers.Where(p => p.Id == provider.Id).Select(p => p.AverageRating).SingleAsync());
    }

    [Theory]
    [InlineData("pending")]
    [InlineData("paid")]
    [InlineData("in_progress")]
    [InlineData("cancelled")]
    [InlineData("refunded")]
    public async Task Only_a_completed_transaction_can_be_reviewed(string status)
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var transactionId = await app.CreateTransactionAsync(client, provider, status: status);

        var response = await app.Client(client.AccessToken).PostJson(ReviewsUrl, new { transactionId, rating = 5 });

        await response.AssertProblem(HttpStatusCode.Conflict, "transaction_not_completed");
    }

    [Fact]
    public async Task Only_the_client_of_the_transaction_can_review_it()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var transactionId = await app.CreateTransactionAsync(client, provider);
        var stranger = await app.CreateAsync();

        await (await app.Client(stranger.AccessToken).PostJson(ReviewsUrl, new { transactionId, rating = 1 })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client(provider.Owner.AccessToken).PostJson(ReviewsUrl, new { transactionId, rating = 5 })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client(client.AccessToken).PostJson(ReviewsUrl, new { transactionId = long.MaxValue, rating = 5 })).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("rating", 0, null, null)]
    [InlineData("rating", 6, null, null)]
    [InlineData("title", 5, 121, null)]
    [InlineData("reviewText", 5, null, 5001)]
    public async Task Invalid_reviews_are_rejected(string field, int rating, int? titleLength, int? textLength)
    {
        var client = await app.CreateAsync();
        var transactionId = await app.CreateTransactionAsync(client, await app.CreateProviderAsync());

        var response = await app.Client(client.AccessToken).PostJson(ReviewsUrl, new
        {
            transactionId,
            rating,
            title = titleLength is { } t ? new string('t', t) : null,
            reviewText = textLength is { } x ? new string('x', x) : null,
        });

        await response.AssertValidationError(field);
    }

    [Fact]
    public async Task A_review_without_a_transaction_is_rejected_and_the_longest_title_and_text_are_fine()
    {
        var client = await app.CreateAsync();
        var transactionId = await app.CreateTransactionAsync(client, await app.CreateProviderAsync());

        await (await app.Client(client.AccessToken).PostJson(ReviewsUrl, new { rating = 5 })).AssertValidationError("transactionId");
        await (await app.Client(client.AccessToken).PostJson(ReviewsUrl, new { transactionId, rating = 5, title = new string('t', 120), reviewText = new string('x', 5000) }))
            .AssertJson(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Reviewing_needs_a_token_and_a_verified_email()
    {
        var client = await app.CreateAsync(verified: false);
        var transactionId = await app.CreateTransactionAsync(client, await app.CreateProviderAsync());

        await (await app.Client().PostJson(ReviewsUrl, new { transactionId, rating = 5 })).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await app.Client(client.AccessToken).PostJson(ReviewsUrl, new { transactionId, rating = 5 })).AssertProblem(HttpStatusCode.Forbidden, "email_not_verified");
    }
}

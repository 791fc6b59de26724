using FastEndpoints;
using LinqToDB;
using LinqToDB.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Reviews.Create;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, Response>
{
    private const string UniqueTransaction = "ux_reviews_transaction_id";

    public override void Configure()
    {
        Post("reviews");
        Policies(Infrastructure.Policies.VerifiedEmail);
        Description(d => d
            .ClearDefaultProduces(200)
            .Produces<Response>(StatusCodes.Status201Created, "application/json")
            .ProducesProblemDetails(400)
            .ProducesProblemDetails(401)
            .ProducesProblemDetails(403)
            .ProducesProblemDetails(404)
            .ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Leave a review";
            s.Description = "The client of a completed transaction reviews it, once: rating 1-5, optional title (120) and reviewText (5,000). "
                + "The provider's averageRating (two decimals) and totalReviews move in the same database transaction, counting "
                + "published reviews only. 404 when the transaction is not the caller's; 409 transaction_not_completed; "
                + "409 review_exists for a second review of the same transaction.";
            s.Responses[201] = "The review is published.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var booking = await Data.ClientTransactionAsync(db, req.TransactionId, me.Id, ct) ?? throw ApiProblem.NotFound("transaction");
        if (booking.Status != "completed")
        {
            throw ApiProblem.Conflict("transaction_not_completed", $"Only a completed transaction can be reviewed; this one is {booking.Status}.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var review = new ReviewRow
        {
            TransactionId = booking.Id,
            ProviderId = booking.ProviderId,
            ClientId = me.Id,
            ListingId = booking.ListingId,
            Rating = req.Rating,
            Title = string.IsNullOrWhiteSpace(req.Title) ? null : req.Title.Trim(),
            ReviewText = string.IsNullOrWhiteSpace(req.ReviewText) ? null : req.ReviewText.Trim(),
            Status = "published",
            CreatedAt = now,
            UpdatedAt = now,
        };
        try
        {
            await using var transaction = await db.BeginTransactionAsync(ct);
            await Data.LockProviderAsync(db, booking.ProviderId, ct);
            if (await Data.ReviewExistsAsync(db, booking.Id, ct))
            {
                throw ReviewExists();
            }
            review.Id = await db.InsertWithInt32IdentityAsync(review, token: ct);
            await Data.RecomputeRatingAsync(db, booking.ProviderId, ct);
            await Audit.WriteAsync(db, clock, new AuditEntry("review", review.Id, "created", null, review.Status, me.Id, "client",
                new { review.TransactionId, review.Rating }), ct);
            await ResourceEvents.ReviewAsync(db, clock, EventTypes.ReviewCreated, review.Id, ct);
            await transaction.CommitAsync(ct);
        }
        catch (Npgsql.PostgresException ex) when (ex.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation && ex.ConstraintName == UniqueTransaction)
        {
            // the provider lock already orders two reviews of one transaction; the unique index is the last word
            throw ReviewExists();
        }

        await Send.ResponseAsync(new Response(
            review.Id, review.TransactionId, review.ProviderId, review.ListingId, review.ClientId, review.Rating,
            review.Title, review.ReviewText, review.Status, review.CreatedAt), StatusCodes.Status201Created, ct);
    }

    private static ApiProblem ReviewExists() =>
        ApiProblem.Conflict("review_exists", "This transaction has already been reviewed; a transaction gets one review.");
}

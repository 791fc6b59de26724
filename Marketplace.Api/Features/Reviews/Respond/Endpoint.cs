using FastEndpoints;
using LinqToDB.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Reviews.Respond;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Post("reviews/{id:int}/response");
        Policies(Infrastructure.Policies.VerifiedEmail, Infrastructure.Policies.Provider);
        Description(d => d
            .ProducesProblemDetails(400)
            .ProducesProblemDetails(401)
            .ProducesProblemDetails(403)
            .ProducesProblemDetails(404)
            .ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Respond to a review";
            s.Description = "The reviewed provider answers a review publicly, once (1 to 5,000 characters); sets respondedAt. "
                + "403 not_your_review for another provider's review; 409 already_responded for a second answer.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var providerId = me.ProviderId!.Value;
        var now = clock.GetUtcNow().UtcDateTime;

        await using var transaction = await db.BeginTransactionAsync(ct);
        if (await Data.RespondAsync(db, req.Id, providerId, req.ProviderResponse!.Trim(), now, ct) == 0)
        {
            await ReviewAccess.ReviewedByCallerAsync(db, req.Id, providerId, ct);
            throw ApiProblem.Conflict("already_responded", "This review already has your response; it is given once.");
        }
        var review = await Data.ReviewAsync(db, req.Id, ct);
        await Audit.WriteAsync(db, clock, new AuditEntry("review", review.Id, "responded", review.Status, review.Status, me.Id, "provider"), ct);
        await ResourceEvents.ReviewAsync(db, clock, EventTypes.ReviewResponded, review.Id, ct);
        await transaction.CommitAsync(ct);

        await Send.OkAsync(new Response(
            review.Id, review.ProviderId, review.ListingId, review.Rating, review.Title, review.ReviewText, review.Status,
            review.CreatedAt, review.ProviderResponse!, review.RespondedAt!.Value), ct);
    }
}

using FastEndpoints;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Reviews.Flag;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Post("reviews/{id:int}/flag");
        Policies(Infrastructure.Policies.VerifiedEmail, Infrastructure.Policies.Provider);
        Description(d => d
            .ProducesProblemDetails(400)
            .ProducesProblemDetails(401)
            .ProducesProblemDetails(403)
            .ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Flag a review";
            s.Description = "The reviewed provider asks a moderator to look at a review, with a reason (500 characters). published -> "
                + "flagged: the review stays public and counted in the rating until an admin removes or restores it (flaggedReason "
                + "and flaggedAt record the flag; a restored review cannot be flagged again). Flagging again is idempotent: 200 with the first flag. 403 not_your_review for another provider's review.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var me = HttpContext.CurrentUser();
        var providerId = me.ProviderId!.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var reason = req.Reason!.Trim();

        await using var transaction = await db.BeginTransactionAsync(ct);
        var flagged = await Data.FlagAsync(db, req.Id, providerId, reason, now, ct) == 1;
        if (!flagged)
        {
            // not flaggable by the caller (404/403), or flagged already: the same answer as the first time
            await ReviewAccess.ReviewedByCallerAsync(db, req.Id, providerId, ct);
        }
        else
        {
            await Audit.WriteAsync(db, clock, new AuditEntry("review", req.Id, "flagged", "published", "flagged", me.Id, "provider",
                new { reason }), ct);
        }
        var review = await Data.ReviewAsync(db, req.Id, ct);
        if (flagged)
        {
            await ResourceEvents.ReviewAsync(db, clock, EventTypes.ReviewFlagged, req.Id, ct);
        }
        await transaction.CommitAsync(ct);
        await Send.OkAsync(review, ct);
    }
}

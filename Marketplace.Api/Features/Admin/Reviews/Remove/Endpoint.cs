using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Reviews.Remove;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, AdminReview>
{
    public override void Configure()
    {
        Post("admin/reviews/{id:int}/remove");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Remove a review (admins)";
            s.Description = "published or flagged -> removed, with a reason: the review leaves the public lists and the provider's "
                + "averageRating and totalReviews are recomputed in the same transaction. 409 invalid_transition when already removed.";
            s.ExampleRequest = new Request { Id = 5, Reason = "Written by a competitor; no such booking took place." };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct) =>
        await Send.OkAsync(await Moderation.MoveAsync(db, clock, HttpContext.CurrentUser(), req.Id, ["published", "flagged"], "removed",
            "remove", EventTypes.ReviewRemoved, req.Reason!.Trim(), ct), ct);
}

using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Reviews.Restore;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, AdminReview>
{
    public override void Configure()
    {
        Post("admin/reviews/{id:int}/restore");
        Policies(Infrastructure.Policies.Admin);
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403)
            .ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Restore a review (admins)";
            s.Description = "removed or flagged -> published, with a reason: a removed review is public and counted again, a flagged "
                + "one is cleared (it keeps its flag date and cannot be flagged again). The rating is recomputed in the same transaction. "
                + "409 invalid_transition when already published.";
            s.ExampleRequest = new Request { Id = 5, Reason = "The flag was not substantiated." };
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct) =>
        await Send.OkAsync(await Moderation.MoveAsync(db, clock, HttpContext.CurrentUser(), req.Id, ["removed", "flagged"], "published",
            "restore", EventTypes.ReviewRestored, req.Reason!.Trim(), ct), ct);
}

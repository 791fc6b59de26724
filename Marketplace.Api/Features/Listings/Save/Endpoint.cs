using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Save;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request>
{
    public override void Configure()
    {
        Post("listings/{id:int}/save");
        Description(d => d.ClearDefaultProduces(200).Produces(204).ProducesProblemDetails(401).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Save a listing";
            s.Description = "Adds an active listing to the caller's saved listings. Idempotent: saving it again answers 204 and keeps "
                + "the first savedAt. 404 for a listing that is not publicly visible.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        if (!await Data.IsPublicAsync(db, r.Id, ct))
        {
            throw ApiProblem.NotFound("listing");
        }
        await Data.SaveAsync(db, HttpContext.CurrentUser().Id, r.Id, clock.GetUtcNow().UtcDateTime, ct);
        await Send.NoContentAsync(ct);
    }
}

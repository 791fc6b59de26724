using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Unsave;

public sealed class Endpoint(Db db) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("listings/{id:int}/save");
        Description(d => d.ClearDefaultProduces(200).Produces(204).ProducesProblemDetails(401));
        Summary(s =>
        {
            s.Summary = "Unsave a listing";
            s.Description = "Removes the listing from the caller's saved listings. Idempotent: 204 whether or not it was saved.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        await Data.UnsaveAsync(db, HttpContext.CurrentUser().Id, r.Id, ct);
        await Send.NoContentAsync(ct);
    }
}

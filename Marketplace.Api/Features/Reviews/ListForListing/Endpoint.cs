using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Reviews.ListForListing;

public sealed class Endpoint(ReadDb reads, Cursors cursors) : Endpoint<Request, ReviewPage>
{
    public override void Configure()
    {
        Get("listings/{slug}/reviews");
        Options(b => b.WithMetadata(ConditionalGet.Instance));
        AllowAnonymous();
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Listing reviews";
            s.Description = "Published reviews of a listing, newest first, keyset-paginated (?limit=1-100, ?cursor=), with a summary of all "
                + "of them: average rating (two decimals), count and count per star. Anonymous. 404 for an unknown, draft or deleted listing.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var page = await reads.QueryAsync(async db => await Data.ListingIdAsync(db, req.Slug, ct) is { } listingId
            ? await PublishedReviews.PageAsync(db, cursors, PublishedReviews.Scope.Listing, listingId, req.Limit, req.Cursor, ct)
            : null);
        await Send.OkAsync(page ?? throw ApiProblem.NotFound("listing"), ct);
    }
}

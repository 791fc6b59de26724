using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Reviews.ListForProvider;

public sealed class Endpoint(ReadDb reads, Cursors cursors) : Endpoint<Request, ReviewPage>
{
    public override void Configure()
    {
        Get("providers/{id:int}/reviews");
        Options(b => b.WithMetadata(ConditionalGet.Instance));
        AllowAnonymous();
        Description(d => d.ProducesProblemDetails(400).ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Provider reviews";
            s.Description = "Published reviews of a provider across all their listings, newest first, keyset-paginated (?limit=1-100, "
                + "?cursor=), with a summary of all of them: average rating (two decimals), count and count per star. Anonymous.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var page = await reads.QueryAsync(async db => await Data.ProviderExistsAsync(db, req.Id, ct)
            ? await PublishedReviews.PageAsync(db, cursors, PublishedReviews.Scope.Provider, req.Id, req.Limit, req.Cursor, ct)
            : null);
        await Send.OkAsync(page ?? throw ApiProblem.NotFound("provider"), ct);
    }
}

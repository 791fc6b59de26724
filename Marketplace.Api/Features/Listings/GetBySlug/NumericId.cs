using FastEndpoints;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.GetBySlug;

/// <summary>
/// GET /listings/6: the segment is a listing id, which this route never looks up as a slug (slugs
/// always contain a letter, Create/Slug.cs). Answered 404 with the reason, rather than the 405 the
/// PATCH and DELETE routes of the same path would otherwise give. Not in the document: the GET
/// operation of /listings/{idOrSlug} describes it.
/// </summary>
public sealed class NumericId : EndpointWithoutRequest
{
    public override void Configure()
    {
        Get("listings/{id:int}");
        AllowAnonymous();
        Description(d => d.ExcludeFromDescription());
    }

    public override Task HandleAsync(CancellationToken ct) =>
        throw new ApiProblem(StatusCodes.Status404NotFound, "not_found", "Not found",
            $"No listing has the slug '{Route<string>("id")}': listings are read by slug (the slug field of every listing answer), "
            + "and a slug always contains a letter. The numeric id addresses PATCH and DELETE /listings/{id}.");
}

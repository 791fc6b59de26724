using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.GetBySlug;

public sealed class Endpoint(ReadDb reads, ListingViews views) : Endpoint<Request, ListingDetails>
{
    public override void Configure()
    {
        // a segment of digits only is a listing id, never a slug (slugs always contain a letter): NumericId answers it
        Get("listings/{slug:regex(\\D)}");
        AllowAnonymous();
        SerializerContext(ListingsJson.Default);
        Options(b => b.WithMetadata(OptionalBearer.Instance, ConditionalGet.Versioned));
        Description(d => d.ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "View a listing";
            s.Description = "A listing by its slug, with its provider's summary. Public when the listing and its provider are active; "
                + "the owning provider also sees its drafts and paused listings (send the bearer token). A view by anyone but the "
                + "owner counts in viewCount, once per viewer and day, within Marketplace:Views:FlushSeconds + PublishSeconds (README: listing views). A slug always contains a letter: GET with a listing's numeric id is 404 not_found "
                + "(listings are read by slug; the id addresses PATCH and DELETE).";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var viewer = HttpContext.OptionalUser();
        if (HttpContext.Request.Headers.IfNoneMatch.Count > 0
            && await reads.ReadAsync(connection => Data.VersionAsync(connection, r.Slug, ct), ct) is { } version
            && Visible(viewer, version.ProviderId, version.Status, version.ProviderStatus, version.ProviderDeleted) is { } ownerOfCached
            && ConditionalGets.NotModified(HttpContext, version.ETag))
        {
            // the client holds the current answer: a view all the same (it is shown again), nothing read or built
            if (!ownerOfCached)
            {
                views.Record(version.Id, HttpContext);
            }
            await Send.ResultAsync(TypedResults.StatusCode(StatusCodes.Status304NotModified));
            return;
        }
        var found = await reads.ReadAsync(connection => Data.GetAsync(connection, r.Slug, ct), ct) ?? throw ApiProblem.NotFound("listing");
        var listing = found.Listing;
        var owner = Visible(viewer, listing.ProviderId, listing.Status, found.ProviderStatus, found.ProviderDeleted)
            ?? throw ApiProblem.NotFound("listing");
        if (!owner)
        {
            views.Record(listing.Id, HttpContext);
        }
        if (ConditionalGets.NotModified(HttpContext, found.ETag))
        {
            // the answer's own versions match where the lookup's did not (it read an older copy, on a lagging replica)
            await Send.ResultAsync(TypedResults.StatusCode(StatusCodes.Status304NotModified));
            return;
        }
        HttpContext.Response.Headers.ETag = found.ETag;
        await Send.OkAsync(ListingDetails.From(listing, found.Provider), ct);
    }

    /// <summary>Whether the caller owns the listing (true), may see it as the public (false), or may not see it (null: 404).</summary>
    private static bool? Visible(CurrentUser? viewer, int providerId, string status, string providerStatus, bool providerDeleted) =>
        viewer?.ProviderId == providerId ? true
        : status == "active" && providerStatus == "active" && !providerDeleted ? false
        : null;
}

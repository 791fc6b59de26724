using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.GetBySlug;

/// <summary>
/// The route and its description; served by <see cref="ServeAsync"/> as a <see cref="DirectRead"/>
/// (the hottest public read), so FastEndpoints never runs a handler of this class.
/// </summary>
public sealed class Endpoint : Endpoint<Request, ListingDetails>
{
    public override void Configure()
    {
        // a segment of digits only is a listing id, never a slug (slugs always contain a letter): NumericId answers it
        Get("listings/{slug:regex(\\D)}");
        AllowAnonymous();
        Options(b => b.WithMetadata(OptionalBearer.Instance, ConditionalGet.Versioned, new DirectRead(ServeAsync)));
        DontAutoSendResponse();
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

    /// <summary>Required by FastEndpoints, which never reaches it: DirectReads serves the route first.</summary>
    public override Task HandleAsync(Request r, CancellationToken ct) => ServeAsync(HttpContext);

    private static async Task ServeAsync(HttpContext http)
    {
        var slug = (string)http.Request.RouteValues["slug"]!;
        var ct = http.RequestAborted;
        var reads = http.RequestServices.GetRequiredService<ReadDb>();
        var views = http.RequestServices.GetRequiredService<ListingViews>();
        var viewer = http.OptionalUser();
        if (http.Request.Headers.IfNoneMatch.Count > 0
            && await reads.ReadAsync(connection => Data.VersionAsync(connection, slug, ct), ct) is { } version
            && Visible(viewer, version.ProviderId, version.Status, version.ProviderStatus, version.ProviderDeleted) is { } ownerOfCached
            && ConditionalGets.NotModified(http, version.ETag))
        {
            // the client holds the current answer: a view all the same (it is shown again), nothing read or built
            if (!ownerOfCached)
            {
                views.Record(version.Id, http);
            }
            http.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        var found = await reads.ReadAsync(connection => Data.GetAsync(connection, slug, ct), ct) ?? throw ApiProblem.NotFound("listing");
        var listing = found.Listing;
        var owner = Visible(viewer, listing.ProviderId, listing.Status, found.ProviderStatus, found.ProviderDeleted)
            ?? throw ApiProblem.NotFound("listing");
        if (!owner)
        {
            views.Record(listing.Id, http);
        }
        if (ConditionalGets.NotModified(http, found.ETag))
        {
            // the answer's own versions match where the lookup's did not (it read an older copy, on a lagging replica)
            http.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        http.Response.Headers.ETag = found.ETag;
        await Infrastructure.Api.WriteOkAsync(http, ListingDetails.From(listing, found.Provider), ListingsJson.Default.ListingDetails);
    }

    /// <summary>Whether the caller owns the listing (true), may see it as the public (false), or may not see it (null: 404).</summary>
    private static bool? Visible(CurrentUser? viewer, int providerId, string status, string providerStatus, bool providerDeleted) =>
        viewer?.ProviderId == providerId ? true
        : status == "active" && providerStatus == "active" && !providerDeleted ? false
        : null;
}

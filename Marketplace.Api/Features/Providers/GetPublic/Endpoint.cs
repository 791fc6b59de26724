using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers.GetPublic;

public sealed class Endpoint(ReadDb reads) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("providers/{id:int}");
        Options(b => b.WithMetadata(ConditionalGet.Versioned));
        AllowAnonymous();
        Description(d => d.ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Public provider profile";
            s.Description = "An active provider's public profile: business, contact, location, hours, rating and badges. "
                + "No Stripe ids, revenue or payment settings. 404 unless the provider is active.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        if (HttpContext.Request.Headers.IfNoneMatch.Count > 0
            && await reads.ReadAsync(connection => Data.ETagAsync(connection, r.Id, ct), ct) is { } current
            && ConditionalGets.NotModified(HttpContext, current))
        {
            await Send.ResultAsync(TypedResults.StatusCode(StatusCodes.Status304NotModified));
            return;
        }
        var (profile, etag) = await reads.QueryAsync(db => Data.GetAsync(db, r.Id, ct)) ?? throw ApiProblem.NotFound("provider");
        if (ConditionalGets.NotModified(HttpContext, etag))
        {
            await Send.ResultAsync(TypedResults.StatusCode(StatusCodes.Status304NotModified));
            return;
        }
        HttpContext.Response.Headers.ETag = etag;
        await Send.OkAsync(profile, ct);
    }
}

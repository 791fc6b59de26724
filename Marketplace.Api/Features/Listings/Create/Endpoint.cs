using FastEndpoints;
using LinqToDB.Data;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Npgsql;

namespace Marketplace.Api.Features.Listings.Create;

public sealed class Endpoint(Db db, TimeProvider clock) : Endpoint<Request, ListingDetails>
{
    private const int SlugAttempts = 5;

    public override void Configure()
    {
        Post("listings");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d
            .ClearDefaultProduces(200).Produces<ListingDetails>(201)
            .ProducesProblemDetails(400).ProducesProblemDetails(401).ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "Create a listing";
            s.Description = "Creates a draft listing of the caller's provider (active or pending; 403 provider_suspended otherwise). "
                + "Price rules: priceCents is required for fixed, hourly and daily, forbidden for contact, optional for custom. "
                + "At most 20 https image URLs. The slug is made from the title plus a short random suffix and never changes. "
                + "Publish it with POST /listings/{id}/publish.";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var caller = HttpContext.CurrentUser();
        var providerId = ListingRules.ManagingProviderId(caller);
        var now = clock.GetUtcNow().UtcDateTime;

        for (var attempt = 1; ; attempt++)
        {
            var row = new ListingRow
            {
                ProviderId = providerId,
                Slug = Slug.From(r.Title),
                Title = r.Title.Trim(),
                Description = r.Description,
                Category = r.Category,
                Subcategory = r.Subcategory,
                PriceCents = r.PriceCents,
                PriceType = r.PriceType,
                PriceText = r.PriceText,
                Images = ListingRules.ImagesToJson(r.Images),
                CoverImageUrl = r.CoverImageUrl ?? r.Images?.FirstOrDefault(),
                City = r.City,
                State = r.State,
                Zip = r.Zip,
                Duration = r.Duration,
                Availability = r.Availability,
                MetaDescription = r.MetaDescription,
                Keywords = r.Keywords,
                Status = "draft",
                InstantBooking = r.InstantBooking ?? true,
                CreatedAt = now,
                UpdatedAt = now,
            };
            try
            {
                await using var tx = await db.BeginTransactionAsync(ct);
                var id = await Data.InsertAsync(db, row, ct);
                await ListingCounters.MoveAsync(db, providerId, total: +1, active: 0, ct);
                if (r.PriceType == "hourly")
                {
                    await Availability.DefaultPlan.FromBusinessHoursAsync(db, id, providerId, now, ct);
                }
                await Audit.WriteAsync(db, clock, new AuditEntry("listing", id, "create", null, "draft", caller.Id, "provider"), ct);
                await tx.CommitAsync(ct);
                var created = await ListingDetails.LoadAsync(db, id, ct) ?? throw ApiProblem.NotFound("listing");
                await Send.ResponseAsync(created, StatusCodes.Status201Created, ct);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation
                                               && ex.ConstraintName == "ux_service_listings_slug" && attempt < SlugAttempts)
            {
                // the random suffix collided (rare): draw another
            }
        }
    }
}

using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings;

/// <summary>Finds a listing of the caller's provider; anyone else's listing is a 404 (never reveal others' records).</summary>
public static class OwnedListing
{
    public static async Task<ListingRow> GetAsync(Db db, int listingId, int providerId, CancellationToken ct) =>
        await db.Listings.Where(l => l.Id == listingId && l.ProviderId == providerId && l.DeletedAt == null).FirstOrDefaultAsync(ct)
        ?? throw ApiProblem.NotFound("listing");
}

using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Listings.Unsave;

internal static class Data
{
    public static Task<int> UnsaveAsync(Db db, int userId, int listingId, CancellationToken ct) =>
        db.SavedListings.Where(s => s.UserId == userId && s.ListingId == listingId).DeleteAsync(ct);
}

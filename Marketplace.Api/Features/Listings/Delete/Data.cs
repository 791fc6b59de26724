using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Listings.Delete;

internal sealed record ListingState(string Status, bool Deleted);

internal static class Data
{
    /// <summary>The listing's status and whether it is deleted already; null when this provider has no such listing.</summary>
    public static Task<ListingState?> GetAsync(Db db, int listingId, int providerId, CancellationToken ct) =>
        db.Listings.Where(l => l.Id == listingId && l.ProviderId == providerId)
            .Select(l => new ListingState(l.Status, l.DeletedAt != null))
            .FirstOrDefaultAsync(ct);

    /// <summary>Soft delete, only while the listing still has the status read before (so the counters move by what it was).</summary>
    public static Task<int> SoftDeleteAsync(Db db, int listingId, string expectedStatus, DateTime now, CancellationToken ct) =>
        db.Listings.Where(l => l.Id == listingId && l.DeletedAt == null && l.Status == expectedStatus)
            .Set(l => l.DeletedAt, now)
            .UpdateAsync(ct);
}

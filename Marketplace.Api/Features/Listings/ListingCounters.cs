using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Listings;

/// <summary>
/// providers.total_listings (not deleted) and active_listings (not deleted, active): moved by the
/// same database transaction as the listing change that moves them (DESIGN: statistics stay exact).
/// </summary>
public static class ListingCounters
{
    public static Task<int> MoveAsync(Db db, int providerId, int total, int active, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId)
            .Set(p => p.TotalListings, p => p.TotalListings + total)
            .Set(p => p.ActiveListings, p => p.ActiveListings + active)
            .UpdateAsync(ct);
}

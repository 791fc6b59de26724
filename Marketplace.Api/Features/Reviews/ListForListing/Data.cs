using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Reviews.ListForListing;

internal static class Data
{
    /// <summary>The listing's id when it exists and is not deleted (a paused or archived listing keeps its reviews public).</summary>
    public static Task<int?> ListingIdAsync(Db db, string slug, CancellationToken ct) =>
        db.Listings.Where(l => l.Slug == slug && l.DeletedAt == null && l.Status != "draft")
            .Select(l => (int?)l.Id)
            .FirstOrDefaultAsync(ct);
}

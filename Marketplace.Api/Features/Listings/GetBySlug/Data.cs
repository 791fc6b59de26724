using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Listings.GetBySlug;

internal sealed record Found(ListingRow Listing, ProviderSummary Provider, string ProviderStatus, bool ProviderDeleted);

internal static class Data
{
    public static Task<Found?> GetAsync(Db db, string slug, CancellationToken ct) =>
        (from l in db.Listings
         join p in db.Providers on l.ProviderId equals p.Id
         where l.Slug == slug && l.DeletedAt == null
         select new Found(l, new ProviderSummary(p.Id, p.BusinessName, p.AverageRating, p.TotalReviews, p.VerifiedProvider), p.Status, p.DeletedAt != null))
        .FirstOrDefaultAsync(ct);
}

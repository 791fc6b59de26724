using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Listings;

namespace Marketplace.Api.Features.Providers.MyListings;

internal static class Data
{
    /// <summary>The provider's listings that are not deleted, newest first; keyset on (created_at, id).</summary>
    public static async Task<List<ListingDetails>> PageAsync(Db db, int providerId, string? status, Cursor? after, int fetch, CancellationToken ct)
    {
        var query =
            from l in db.Listings
            join p in db.Providers on l.ProviderId equals p.Id
            where l.ProviderId == providerId && l.DeletedAt == null
            select new { l, p };
        if (status is not null)
        {
            query = query.Where(x => x.l.Status == status);
        }
        if (after is not null)
        {
            // a row comparison, so the position is a condition of the (provider_id, created_at, id) index rather than a filter
            query = query.Where(x => Sql.Row(x.l.CreatedAt, x.l.Id) < Sql.Row(after.CreatedAt, after.Id));
        }
        var rows = await query
            .OrderByDescending(x => x.l.CreatedAt).ThenByDescending(x => x.l.Id)
            .Take(fetch)
            .Select(x => new { x.l, Provider = new ProviderSummary(x.p.Id, x.p.BusinessName, x.p.AverageRating, x.p.TotalReviews, x.p.VerifiedProvider) })
            .ToListAsync(ct);
        return [.. rows.Select(x => ListingDetails.From(x.l, x.Provider))];
    }
}

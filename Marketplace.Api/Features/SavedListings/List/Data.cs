using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Listings;

namespace Marketplace.Api.Features.SavedListings.List;

internal sealed record Row(int SavedId, Item Item);

internal static class Data
{
    /// <summary>
    /// The user's saved listings, newest first, hiding those that are no longer public (the saved
    /// row stays, so a listing that comes back shows again). Keyset on (saved_at, id).
    /// </summary>
    public static Task<List<Row>> PageAsync(Db db, int userId, Cursor? after, int fetch, CancellationToken ct)
    {
        var query =
            from s in db.SavedListings
            join l in db.Listings on s.ListingId equals l.Id
            join p in db.Providers on l.ProviderId equals p.Id
            where s.UserId == userId && l.Status == "active" && l.DeletedAt == null && p.Status == "active" && p.DeletedAt == null
            select new { s, l, p };
        if (after is not null)
        {
            // a row comparison, so the position is a condition of the (user_id, saved_at, id) index rather than a filter
            query = query.Where(x => Sql.Row(x.s.SavedAt, x.s.Id) < Sql.Row(after.SavedAt, after.Id));
        }
        return query
            .OrderByDescending(x => x.s.SavedAt).ThenByDescending(x => x.s.Id)
            .Take(fetch)
            .Select(x => new Row(x.s.Id, new Item(
                x.s.SavedAt, x.l.Id, x.l.Slug, x.l.Title, x.l.Category, x.l.PriceCents, x.l.PriceType, x.l.PriceText,
                x.l.CoverImageUrl, x.l.City, x.l.State,
                new ProviderSummary(x.p.Id, x.p.BusinessName, x.p.AverageRating, x.p.TotalReviews, x.p.VerifiedProvider))))
            .ToListAsync(ct);
    }
}

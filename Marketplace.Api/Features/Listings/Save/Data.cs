using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Listings.Save;

internal static class Data
{
    /// <summary>Whether the listing is publicly visible (active, provider active, neither deleted).</summary>
    public static Task<bool> IsPublicAsync(Db db, int listingId, CancellationToken ct) =>
        (from l in db.Listings
         join p in db.Providers on l.ProviderId equals p.Id
         where l.Id == listingId && l.Status == "active" && l.DeletedAt == null && p.Status == "active" && p.DeletedAt == null
         select l.Id).AnyAsync(ct);

    /// <summary>Saves once: a second save keeps the first row (and its savedAt).</summary>
    public static Task<int> SaveAsync(Db db, int userId, int listingId, DateTime now, CancellationToken ct) =>
        db.ExecuteAsync(
            "INSERT INTO marketplace.saved_listings (user_id, listing_id, saved_at) VALUES (:user_id, :listing_id, :saved_at) ON CONFLICT (user_id, listing_id) DO NOTHING",
            ct,
            new DataParameter("user_id", userId, DataType.Int32),
            new DataParameter("listing_id", listingId, DataType.Int32),
            new DataParameter("saved_at", now, DataType.DateTimeOffset));
}

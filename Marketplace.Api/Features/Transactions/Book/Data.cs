using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Transactions.Book;

/// <summary>What is booked: the provider, and the listing when booking one.</summary>
internal sealed record Target(
    int ProviderId, int ProviderUserId, string ProviderStatus, string PaymentMode,
    int? ListingId, string? ListingTitle, string? ListingStatus, string? PriceType, long? PriceCents, bool InstantBooking = true);

internal static class Data
{
    /// <summary>A listing that is not deleted and not a draft (drafts are visible to their owner only), with its provider.</summary>
    public static Task<Target?> ListingAsync(Db db, int listingId, CancellationToken ct) =>
        (from l in db.Listings
         join p in db.Providers on l.ProviderId equals p.Id
         where l.Id == listingId && l.DeletedAt == null && l.Status != "draft" && p.DeletedAt == null
         select new Target(p.Id, p.UserId, p.Status, p.PaymentMode, l.Id, l.Title, l.Status, l.PriceType, l.PriceCents, l.InstantBooking))
        .FirstOrDefaultAsync(ct);

    public static Task<Target?> ProviderAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers
            .Where(p => p.Id == providerId && p.DeletedAt == null)
            .Select(p => new Target(p.Id, p.UserId, p.Status, p.PaymentMode, null, null, null, null, null))
            .FirstOrDefaultAsync(ct);

    public static async Task<long> InsertAsync(Db db, TransactionRow row, CancellationToken ct) =>
        await db.InsertWithInt64IdentityAsync(row, token: ct);

    /// <summary>Provider and listing counters move with the booking (total_transactions counts every booking ever made).</summary>
    public static async Task CountBookingAsync(Db db, int providerId, int? listingId, CancellationToken ct)
    {
        await db.Providers.Where(p => p.Id == providerId).Set(p => p.TotalTransactions, p => p.TotalTransactions + 1).UpdateAsync(ct);
        if (listingId is not null)
        {
            await db.Listings.Where(l => l.Id == listingId).Set(l => l.BookingCount, l => l.BookingCount + 1).UpdateAsync(ct);
        }
    }
}

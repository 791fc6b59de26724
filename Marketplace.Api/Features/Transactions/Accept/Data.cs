using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Transactions.Accept;

/// <summary>The price of the accepted booking: its listing's, when the listing has one, and how the provider is paid.</summary>
internal sealed record Pricing(string? PriceType, long? PriceCents, string PaymentMode);

internal static class Data
{
    /// <summary>requested -> pending while the request still stands (before it lapses), as one conditional update.</summary>
    public static Task<int> AcceptAsync(Db db, long id, DateTime now, CancellationToken ct) =>
        db.Transactions
            .Where(t => t.Id == id && t.Status == "requested" && (t.HoldUntil == null || t.HoldUntil > now))
            .Set(t => t.Status, "pending")
            .Set(t => t.HoldUntil, (DateTime?)null)
            .UpdateAsync(ct);

    public static Task<Pricing> PricingAsync(Db db, long id, CancellationToken ct) =>
        (from t in db.Transactions
         join p in db.Providers on t.ProviderId equals p.Id
         from l in db.Listings.Where(l => l.Id == t.ListingId).DefaultIfEmpty()
         where t.Id == id
         select new Pricing(l.PriceType, l.PriceCents, p.PaymentMode))
        .FirstAsync(ct);
}

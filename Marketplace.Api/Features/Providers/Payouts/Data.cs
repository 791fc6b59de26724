using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Providers.Payouts;

internal static class Data
{
    /// <summary>The provider's payouts, newest first; keyset on (stripe_created_at, id).</summary>
    public static Task<List<PayoutRow>> PageAsync(Db db, int providerId, string? status, Cursor? after, int fetch, CancellationToken ct)
    {
        var query = db.Payouts.Where(p => p.ProviderId == providerId);
        if (status is not null)
        {
            query = query.Where(p => p.Status == status);
        }
        if (after is not null)
        {
            query = query.Where(p => p.StripeCreatedAt < after.CreatedAt || (p.StripeCreatedAt == after.CreatedAt && p.Id < after.Id));
        }
        return query.OrderByDescending(p => p.StripeCreatedAt).ThenByDescending(p => p.Id).Take(fetch).ToListAsync(ct);
    }
}

using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.List;

internal static class Data
{
    /// <summary>Newest first on (created_at, id), keyset after the cursor; limit + 1 rows to know whether a page follows.</summary>
    public static Task<List<Item>> PageAsync(Db db, int userId, int? providerId, string? role, string? status,
        Cursor? after, int limit, string currency, CancellationToken ct)
    {
        var asClient = role is null or PartyRole.Client;
        var asProvider = role is null or PartyRole.Provider && providerId is not null;
        var q =
            from t in db.Transactions
            join p in db.Providers on t.ProviderId equals p.Id
            from l in db.Listings.Where(l => l.Id == t.ListingId).DefaultIfEmpty()
            where (asClient && t.ClientId == userId) || (asProvider && t.ProviderId == providerId)
            select new { t, p.BusinessName, ListingTitle = l.Title };
        if (status is not null)
        {
            q = q.Where(x => x.t.Status == status);
        }
        if (after is not null)
        {
            q = q.Where(x => x.t.CreatedAt < after.CreatedAt || (x.t.CreatedAt == after.CreatedAt && x.t.Id < after.Id));
        }
        return q
            .OrderByDescending(x => x.t.CreatedAt).ThenByDescending(x => x.t.Id)
            .Take(limit + 1)
            .Select(x => new Item(
                x.t.Id, x.t.ClientId == userId ? PartyRole.Client : PartyRole.Provider, x.t.Status, x.t.ClientId, x.t.ProviderId,
                x.BusinessName, x.t.ListingId, x.ListingTitle, x.t.ServiceDescription, currency, x.t.TotalCents, x.t.InvoiceId,
                x.t.CreatedAt, x.t.PaidAt))
            .ToListAsync(ct);
    }
}

using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Admin.Transactions.List;

internal static class Data
{
    /// <summary>
    /// Newest first on (created_at, id), keyset after the cursor. Each filter combination has an index
    /// ending in created_at: (client_id | provider_id [, status], created_at) or (status, created_at, id) or (created_at, id).
    /// </summary>
    public static Task<List<Item>> PageAsync(Db db, string? status, int? providerId, int? clientId, Cursor? after, int limit, string currency, CancellationToken ct)
    {
        var q = db.Transactions.AsQueryable();
        if (status is not null)
        {
            q = q.Where(t => t.Status == status);
        }
        if (providerId is not null)
        {
            q = q.Where(t => t.ProviderId == providerId);
        }
        if (clientId is not null)
        {
            q = q.Where(t => t.ClientId == clientId);
        }
        if (after is not null)
        {
            q = q.Where(t => t.CreatedAt < after.CreatedAt || (t.CreatedAt == after.CreatedAt && t.Id < after.Id));
        }
        return q.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id).Take(limit + 1)
            .Select(t => new Item(t.Id, t.Status, t.ClientId, t.ProviderId, t.ListingId, currency, t.ServicePriceCents, t.PlatformFeeCents,
                t.TotalCents, t.RefundAmountCents, t.InvoiceId, t.CancelledBy, t.CreatedAt, t.PaidAt))
            .ToListAsync(ct);
    }
}

using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Transactions.Complete;

internal static class Data
{
    /// <summary>
    /// paid | in_progress -> completed, in one conditional update on the status that was read:
    /// 0 rows when the booking changed meanwhile (a concurrent cancel won).
    /// </summary>
    public static Task<int> CompleteAsync(Db db, long id, string from, DateTime now, CancellationToken ct) =>
        db.Transactions
            .Where(t => t.Id == id && t.Status == from && t.OnHoldAt == null) // a dispute holds the booking (Payments/Disputes)
            .Set(t => t.Status, "completed")
            .Set(t => t.CompletedAt, now)
            .UpdateAsync(ct);

    /// <summary>completed_transactions counts bookings that reached completed (completed_at set), whatever happened after.</summary>
    public static Task<int> CountCompletedAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId).Set(p => p.CompletedTransactions, p => p.CompletedTransactions + 1).UpdateAsync(ct);
}

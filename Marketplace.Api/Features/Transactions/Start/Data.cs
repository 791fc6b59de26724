using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Transactions.Start;

internal static class Data
{
    /// <summary>paid -> in_progress, in one conditional update: 0 rows when the booking is not paid (anymore).</summary>
    public static Task<int> StartAsync(Db db, long id, DateTime now, CancellationToken ct) =>
        db.Transactions
            .Where(t => t.Id == id && t.Status == "paid" && t.OnHoldAt == null) // a dispute holds the booking (Payments/Disputes)
            .Set(t => t.Status, "in_progress")
            .Set(t => t.StartedAt, now)
            .UpdateAsync(ct);
}

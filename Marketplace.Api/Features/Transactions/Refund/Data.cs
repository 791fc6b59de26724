using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Transactions.Refund;

internal static class Data
{
    /// <summary>Statuses whose payment the provider may refund (a cancelled one whose refund failed, too).</summary>
    public static readonly string[] RefundableFrom = ["paid", "in_progress", "completed", "cancelled"];

    /// <summary>Statuses in which the client may ask for a refund.</summary>
    public static readonly string[] RequestableFrom = ["paid", "in_progress", "completed"];

    /// <summary>The client's request, once: 0 rows when one is open already or the booking changed meanwhile.</summary>
    public static Task<int> RequestAsync(Db db, long id, string from, long amountCents, string reason, DateTime now, CancellationToken ct) =>
        db.Transactions
            .Where(t => t.Id == id && t.Status == from && t.RefundRequestedAt == null)
            .Set(t => t.RefundRequestedAt, now)
            .Set(t => t.RefundRequestedCents, amountCents)
            .Set(t => t.RefundReason, reason)
            .UpdateAsync(ct);
}

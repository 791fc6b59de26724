using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Admin.Transactions.Cancel;

internal static class Data
{
    /// <summary>Operators may cancel any booking not finished yet (the parties' own rules are narrower).</summary>
    public static readonly string[] CancellableFrom = ["pending", "invoiced", "paid", "in_progress"];

    /// <summary>Part of the refundable amount, rounded half up to the cent.</summary>
    public static long RefundCents(long refundable, int percent) => (refundable * percent + 50) / 100;

    public static Task<int> CancelAsync(Db db, long id, string from, string reason, DateTime now, CancellationToken ct) =>
        db.Transactions.Where(t => t.Id == id && t.Status == from)
            .Set(t => t.Status, "cancelled")
            .Set(t => t.CancelledAt, now)
            .Set(t => t.CancelledBy, "admin")
            .Set(t => t.CancellationReason, reason)
            .UpdateAsync(ct);
}

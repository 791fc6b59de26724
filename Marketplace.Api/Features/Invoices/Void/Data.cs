using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Invoices.Void;

internal static class Data
{
    /// <summary>Unpaid (draft, sent, viewed) -> void, in one conditional update on the status that was read.</summary>
    public static Task<int> VoidAsync(Db db, int id, string from, DateTime now, CancellationToken ct) =>
        db.Invoices
            .Where(i => i.Id == id && i.Status == from && Bookings.UnpaidInvoiceStatuses.Contains(i.Status))
            .Set(i => i.Status, "void")
            .Set(i => i.VoidedAt, now)
            .Set(i => i.StripeCheckoutUrl, (string?)null)
            .UpdateAsync(ct);

    /// <summary>One invoice per booking: voiding it cancels the invoiced booking (by the provider).</summary>
    public static Task<int> CancelTransactionAsync(Db db, long transactionId, string? reason, DateTime now, CancellationToken ct) =>
        db.Transactions
            .Where(t => t.Id == transactionId && t.Status == "invoiced")
            .Set(t => t.Status, "cancelled")
            .Set(t => t.CancelledAt, now)
            .Set(t => t.CancelledBy, PartyRole.Provider)
            .Set(t => t.CancellationReason, reason ?? "invoice voided")
            .UpdateAsync(ct);
}

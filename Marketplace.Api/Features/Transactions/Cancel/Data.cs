using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Cancel;

internal static class Data
{
    /// <summary>Statuses each party may cancel from (seed workflow: the client before work starts, the provider before completion).</summary>
    public static string[] CancellableFrom(string role) => role == PartyRole.Client
        ? ["requested", "pending", "invoiced", "paid"]
        : ["requested", "pending", "invoiced", "paid", "in_progress"];

    /// <summary>One conditional update on the status that was read: 0 rows when the booking changed meanwhile.</summary>
    public static Task<int> CancelAsync(Db db, long id, string from, string by, string? reason, DateTime now, CancellationToken ct) =>
        db.Transactions
            .Where(t => t.Id == id && t.Status == from)
            .Set(t => t.Status, "cancelled")
            .Set(t => t.CancelledAt, now)
            .Set(t => t.CancelledBy, by)
            .Set(t => t.CancellationReason, reason)
            .UpdateAsync(ct);

    /// <summary>An unpaid invoice of a cancelled booking is void.</summary>
    public static Task<int> VoidInvoiceAsync(Db db, int invoiceId, DateTime now, CancellationToken ct) =>
        db.Invoices
            .Where(i => i.Id == invoiceId && Bookings.UnpaidInvoiceStatuses.Contains(i.Status))
            .Set(i => i.Status, "void")
            .Set(i => i.VoidedAt, now)
            .Set(i => i.StripeCheckoutUrl, (string?)null)
            .UpdateAsync(ct);
}

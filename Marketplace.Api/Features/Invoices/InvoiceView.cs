using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Invoices;

/// <summary>
/// An invoice as its client or provider sees it. Invariants: totalCents = subtotalCents + taxCents;
/// balanceCents = totalCents - paidCents (what is still owed); refunds never change the balance and
/// are tracked in refundedCents (at most paidCents). internalNotes is null for the client.
/// </summary>
public sealed record InvoiceView(
    int Id,
    long TransactionId,
    string InvoiceNumber,
    [OneOf("client", "provider")] string Role,
    [OneOf("draft", "sent", "viewed", "paid", "refunded", "void")] string Status,
    int ProviderId,
    string ProviderBusinessName,
    int ClientId,
    string ServiceDescription,
    string Currency,
    long SubtotalCents,
    decimal? TaxRate,
    long TaxCents,
    long TotalCents,
    long PaidCents,
    long BalanceCents,
    long RefundedCents,
    [OneOf("stripe", "manual", "offline")] string PaymentMethod,
    string? PaymentInstructions,
    [OneOf("cash", "check", "bank_transfer", "other")] string? ManualPaymentMethod,
    string? ManualPaymentReference,
    DateTime? ManualPaymentMarkedAt,
    [OneOf("warning_needs_response", "warning_under_review", "warning_closed", "needs_response", "under_review", "won", "lost", "prevented")] string? DisputeStatus,
    DateTime? IssuedAt,
    DateTime? SentAt,
    DateTime? ViewedAt,
    DateTime? DueAt,
    DateTime? PaidAt,
    DateTime? RefundedAt,
    DateTime? VoidedAt,
    string? Notes,
    string? InternalNotes,
    DateTime CreatedAt);

public static class InvoiceViews
{
    public static async Task<InvoiceView> LoadAsync(Db db, int id, string role, string currency, CancellationToken ct)
    {
        var row = await (
            from i in db.Invoices
            join t in db.Transactions on i.TransactionId equals t.Id
            join p in db.Providers on i.ProviderId equals p.Id
            where i.Id == id
            select new { i, t.TaxRate, t.ServiceDescription, p.BusinessName, p.PaymentInstructions })
            .FirstOrDefaultAsync(ct) ?? throw ApiProblem.NotFound("invoice");
        var inv = row.i;
        return new InvoiceView(
            inv.Id, inv.TransactionId, inv.InvoiceNumber, role, inv.Status, inv.ProviderId, row.BusinessName, inv.ClientId,
            row.ServiceDescription, currency, inv.SubtotalCents, row.TaxRate, inv.TaxCents, inv.TotalCents, inv.PaidCents,
            inv.BalanceCents, inv.RefundedCents, inv.PaymentMethod, inv.PaymentMethod == "stripe" ? null : row.PaymentInstructions,
            inv.ManualPaymentMethod, inv.ManualPaymentReference, inv.ManualPaymentMarkedAt, inv.DisputeStatus,
            inv.IssuedAt, inv.SentAt, inv.ViewedAt, inv.DueAt, inv.PaidAt, inv.RefundedAt, inv.VoidedAt, inv.Notes,
            role == PartyRole.Provider ? inv.InternalNotes : null,
            inv.CreatedAt);
    }
}

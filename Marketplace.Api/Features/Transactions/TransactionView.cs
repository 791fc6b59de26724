using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Transactions;

/// <summary>
/// A booking as its client or provider sees it: the answer of every transaction endpoint
/// (book, get, invoice, start, complete, cancel, refund). Money in cents of <c>currency</c>.
/// </summary>
public sealed record TransactionView(
    long Id,
    [OneOf("client", "provider")] string Role,
    [OneOf(typeof(Payments.Bookings), nameof(Payments.Bookings.TransactionStatuses))] string Status,
    int ClientId,
    int ProviderId,
    string ProviderBusinessName,
    int? ListingId,
    string? ListingTitle,
    string ServiceDescription,
    string? ServiceNotes,
    int Quantity,
    DateTime? RequestedStartAt,
    DateTime? RequestedEndAt,
    string Currency,
    long ServicePriceCents,
    long PlatformFeeCents,
    decimal? TaxRate,
    long TaxCents,
    long TotalCents,
    long ProviderPayoutCents,
    long StripeFeesCents,
    long RefundAmountCents,
    string? RefundReason,
    DateTime? RefundRequestedAt,
    long? RefundRequestedCents,
    string? CancellationReason,
    [OneOf("client", "provider", "admin")] string? CancelledBy,
    DateTime CreatedAt,
    DateTime? InvoicedAt,
    DateTime? PaidAt,
    DateTime? StartedAt,
    DateTime? CompletedAt,
    DateTime? CancelledAt,
    DateTime? RefundedAt,
    DateTime? HoldUntil,
    string? DeclineReason,
    DateTime? DeclinedAt,
    DateTime? ExpiredAt,
    [OneOf("flexible", "moderate", "strict", "full")] string? CancellationPolicy,
    TransactionInvoice? Invoice);

/// <summary>The booking's invoice in short; <c>GET /invoices/{id}</c> has the rest.</summary>
public sealed record TransactionInvoice(
    int Id,
    string InvoiceNumber,
    [OneOf("draft", "sent", "viewed", "paid", "refunded", "void")] string Status,
    long TotalCents,
    long PaidCents,
    long BalanceCents,
    long RefundedCents);

public static class TransactionViews
{
    public static async Task<TransactionView> LoadAsync(Db db, long id, string role, string currency, CancellationToken ct)
    {
        var row = await (
            from t in db.Transactions
            join p in db.Providers on t.ProviderId equals p.Id
            from l in db.Listings.Where(l => l.Id == t.ListingId).DefaultIfEmpty()
            from i in db.Invoices.Where(i => i.TransactionId == t.Id).DefaultIfEmpty()
            where t.Id == id
            select new { t, p.BusinessName, ListingTitle = l.Title, i })
            .FirstOrDefaultAsync(ct) ?? throw Infrastructure.ApiProblem.NotFound("transaction");
        var tr = row.t;
        return new TransactionView(
            tr.Id, role, tr.Status, tr.ClientId, tr.ProviderId, row.BusinessName, tr.ListingId, row.ListingTitle,
            tr.ServiceDescription, tr.ServiceNotes, tr.Quantity, tr.RequestedStartAt, tr.RequestedEndAt, currency,
            tr.ServicePriceCents, tr.PlatformFeeCents, tr.TaxRate, tr.TaxCents, tr.TotalCents, tr.ProviderPayoutCents, tr.StripeFeesCents,
            tr.RefundAmountCents, tr.RefundReason, tr.RefundRequestedAt, tr.RefundRequestedCents, tr.CancellationReason, tr.CancelledBy,
            tr.CreatedAt, tr.InvoicedAt, tr.PaidAt, tr.StartedAt, tr.CompletedAt, tr.CancelledAt, tr.RefundedAt,
            tr.HoldUntil, tr.DeclineReason, tr.DeclinedAt, tr.ExpiredAt, tr.CancellationPolicy,
            row.i is null ? null : new TransactionInvoice(row.i.Id, row.i.InvoiceNumber, row.i.Status, row.i.TotalCents, row.i.PaidCents, row.i.BalanceCents, row.i.RefundedCents));
    }
}

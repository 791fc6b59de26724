using System.Globalization;
using LinqToDB.Async;
using LinqToDB.Data;
using LinqToDB;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Payments;

/// <summary>
/// Issuing the one invoice of a transaction, for booking (fixed prices are invoiced at once) and
/// for the provider's own invoicing of a quoted request. Runs inside the caller's database
/// transaction, which holds the transaction's lock (<see cref="LockOrder"/>; a booking made in it is
/// new) and found it pending: the price breakdown is stored on the transaction, the invoice is created as
/// <c>sent</c> with the next number, the transaction moves pending -> invoiced (one conditional
/// update), the audit rows are written and the invoice is mailed to the client.
/// </summary>
public static class Invoicing
{
    /// <summary>Invoice numbers: MP-&lt;year&gt;-&lt;6+ digits&gt; from one database sequence, so they never repeat.</summary>
    public static async Task<string> NextNumberAsync(Db db, TimeProvider clock, CancellationToken ct)
    {
        var next = await db.QueryToListAsync<long>("SELECT nextval('marketplace.invoice_number_seq')", ct);
        return string.Create(CultureInfo.InvariantCulture, $"MP-{clock.GetUtcNow().Year}-{next[0]:D6}");
    }

    public static async Task<InvoiceRow> IssueAsync(Db db, TimeProvider clock, MarketplaceOptions options, TransactionRow transaction,
        PriceBreakdown price, string paymentMethod, string? notes, string? internalNotes, DateTime? dueAt,
        int actorUserId, string actorRole, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var invoice = new InvoiceRow
        {
            TransactionId = transaction.Id,
            ProviderId = transaction.ProviderId,
            ClientId = transaction.ClientId,
            InvoiceNumber = await NextNumberAsync(db, clock, ct),
            SubtotalCents = price.ServicePriceCents,
            TaxCents = price.TaxCents,
            TotalCents = price.TotalCents,
            PaidCents = 0,
            BalanceCents = price.TotalCents,
            RefundedCents = 0,
            Status = "sent",
            PaymentMethod = paymentMethod,
            IssuedAt = now,
            SentAt = now,
            DueAt = dueAt,
            Notes = notes,
            InternalNotes = internalNotes,
            CreatedAt = now,
            UpdatedAt = now,
        };
        invoice.Id = await db.InsertWithInt32IdentityAsync(invoice, token: ct);

        var moved = await db.Transactions
            .Where(t => t.Id == transaction.Id && t.Status == "pending")
            .Set(t => t.Status, "invoiced")
            .Set(t => t.InvoicedAt, now)
            .Set(t => t.InvoiceId, invoice.Id)
            .Set(t => t.ServicePriceCents, price.ServicePriceCents)
            .Set(t => t.PlatformFeeCents, price.PlatformFeeCents)
            .Set(t => t.TaxCents, price.TaxCents)
            .Set(t => t.TaxRate, price.TaxRate)
            .Set(t => t.TotalCents, price.TotalCents)
            .Set(t => t.ProviderPayoutCents, price.ProviderPayoutCents)
            .Set(t => t.HoldUntil, PaymentDeadline(options, now, transaction.RequestedStartAt))
            .UpdateAsync(ct);
        if (moved == 0)
        {
            throw ApiProblem.InvalidTransition("Only a pending booking can be invoiced; this one changed meanwhile.");
        }

        var details = new { invoice.InvoiceNumber, price.ServicePriceCents, price.PlatformFeeCents, price.TaxCents, price.TaxRate, price.TotalCents, price.ProviderPayoutCents };
        await Audit.WriteAsync(db, clock, new AuditEntry("transaction", transaction.Id, "invoiced", "pending", "invoiced", actorUserId, actorRole, details), ct);
        await Audit.WriteAsync(db, clock, new AuditEntry("invoice", invoice.Id, "issued", null, "sent", actorUserId, actorRole, details), ct);
        await ResourceEvents.TransactionAsync(db, clock, options, EventTypes.TransactionInvoiced, transaction.Id, ct);
        await ResourceEvents.InvoiceAsync(db, clock, options, EventTypes.InvoiceIssued, invoice.Id, ct);

        var parties = await Bookings.PartiesAsync(db, transaction.Id, ct);
        await Outbox.EnqueueAsync(db, clock, BookingMails.InvoiceIssued(parties, invoice, options), ct);
        return invoice;
    }

    /// <summary>
    /// When an unpaid invoiced booking expires (Features/Transactions/Lifecycle/BookingExpiry): the payment
    /// window after invoicing, and never after the service start.
    /// </summary>
    public static DateTime PaymentDeadline(MarketplaceOptions options, DateTime invoicedAt, DateTime? startsAt)
    {
        var window = invoicedAt.AddHours(options.Bookings.PaymentWindowHours);
        return startsAt is { } start && start > invoicedAt && start < window ? start : window;
    }

    /// <summary>How an invoice of this provider is paid: through Stripe, or outside the platform (manual/offline).</summary>
    public static string PaymentMethodFor(string providerPaymentMode) => providerPaymentMode switch
    {
        "manual" => "manual",
        "offline" => "offline",
        _ => "stripe",
    };

    /// <summary>Whether the provider can take card payments now: a Stripe Connect account that finished onboarding, provider active.</summary>
    public static Task<bool> CanAcceptStripePaymentsAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.AnyAsync(p => p.Id == providerId && p.DeletedAt == null && p.Status == "active"
                                   && p.PaymentMode == "stripe_connect" && p.StripeConnectAccountId != null
                                   && p.StripeConnectOnboardingComplete, ct);
}

using System.Globalization;
using Marketplace.Api.Data;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Infrastructure.Email;

/// <summary>
/// The wording of the booking and payment mails, in one place. Each is queued with
/// <see cref="Outbox.EnqueueAsync"/> in the same database transaction as the change it reports.
/// </summary>
public static class BookingMails
{
    public static OutgoingMail BookingRequested(BookingParties parties, TransactionRow t, MarketplaceOptions o) =>
        new("booking_requested", parties.ProviderEmail,
            $"New booking request #{t.Id}",
            $"""
            You have a new booking request for "{parties.ServiceDescription}".
            {(t.ServiceNotes is { Length: > 0 } notes ? $"Client notes: {notes}\n" : "")}{(t.RequestedStartAt is { } start ? $"Requested start: {start:yyyy-MM-dd HH:mm} UTC\n" : "")}
            {(t.Status == "pending" ? "Set a price and send the invoice:" : $"It was invoiced automatically for {Amount(t.TotalCents, o)}:")} {Link(o, t.Id)}
            """);

    public static OutgoingMail InvoiceIssued(BookingParties parties, InvoiceRow i, MarketplaceOptions o) =>
        new("invoice_issued", parties.ClientEmail,
            $"Invoice {i.InvoiceNumber} from {parties.BusinessName}",
            $"""
            Hello{Name(parties)},

            {parties.BusinessName} sent you invoice {i.InvoiceNumber} for "{parties.ServiceDescription}".
            Subtotal {Amount(i.SubtotalCents, o)}, tax {Amount(i.TaxCents, o)}, total {Amount(i.TotalCents, o)}.
            {(i.Notes is { Length: > 0 } notes ? $"\n{notes}\n" : "")}
            View and pay it: {o.PublicBaseUrl.TrimEnd('/')}/invoices/{i.Id}
            """);

    public static IEnumerable<OutgoingMail> PaymentReceipt(BookingParties parties, LockedBooking b, long paidCents, MarketplaceOptions o)
    {
        yield return new("payment_receipt", parties.ClientEmail,
            $"Receipt for invoice {b.InvoiceNumber}",
            $"""
            Hello{Name(parties)},

            We received your payment of {Amount(paidCents, o)} to {parties.BusinessName} for "{parties.ServiceDescription}" (invoice {b.InvoiceNumber}).
            Booking: {Link(o, b.TransactionId)}
            """);
        yield return new("payment_receipt", parties.ProviderEmail,
            $"Invoice {b.InvoiceNumber} was paid",
            $"""
            Invoice {b.InvoiceNumber} ("{parties.ServiceDescription}") was paid: {Amount(paidCents, o)}.
            Platform fee {Amount(b.PlatformFeeCents, o)}; your payout {Amount(b.ProviderPayoutCents, o)}.
            Booking: {Link(o, b.TransactionId)}
            """);
    }

    public static IEnumerable<OutgoingMail> Cancelled(BookingParties parties, TransactionRow t, string by, string? reason, bool refundFollows, MarketplaceOptions o)
    {
        var text = $"""
            Booking #{t.Id} ("{parties.ServiceDescription}") with {parties.BusinessName} was cancelled by the {by}.
            {(reason is { Length: > 0 } ? $"Reason: {reason}\n" : "")}{(refundFollows ? "The payment is refunded as the cancellation policy provides.\n" : "")}
            {Link(o, t.Id)}
            """;
        yield return new("booking_cancelled", parties.ClientEmail, $"Booking #{t.Id} cancelled", text);
        yield return new("booking_cancelled", parties.ProviderEmail, $"Booking #{t.Id} cancelled", text);
    }

    public static IEnumerable<OutgoingMail> Refunded(BookingParties parties, LockedBooking b, long amountCents, long refundedCents, MarketplaceOptions o)
    {
        var text = $"""
            A refund of {Amount(amountCents, o)} was issued on invoice {b.InvoiceNumber} ("{parties.ServiceDescription}", {parties.BusinessName}).
            Refunded in all: {Amount(refundedCents, o)} of {Amount(b.PaidCents, o)} paid.
            {Link(o, b.TransactionId)}
            """;
        yield return new("refund_issued", parties.ClientEmail, $"Refund on invoice {b.InvoiceNumber}", text);
        yield return new("refund_issued", parties.ProviderEmail, $"Refund on invoice {b.InvoiceNumber}", text);
    }

    public static OutgoingMail RefundRequested(BookingParties parties, TransactionRow t, long amountCents, string reason, MarketplaceOptions o) =>
        new("refund_requested", parties.ProviderEmail,
            $"Refund requested on booking #{t.Id}",
            $"""
            The client asks for a refund of {Amount(amountCents, o)} on booking #{t.Id} ("{parties.ServiceDescription}").
            Reason: {reason}
            Refund it or contact the client: {Link(o, t.Id)}
            """);

    public static OutgoingMail PaymentFailed(BookingParties parties, InvoiceRow i, MarketplaceOptions o) =>
        new("payment_failed", parties.ClientEmail,
            $"Payment of invoice {i.InvoiceNumber} failed",
            $"""
            Hello{Name(parties)},

            Your payment of invoice {i.InvoiceNumber} ({Amount(i.TotalCents, o)}) to {parties.BusinessName} did not go through.
            You can try again: {o.PublicBaseUrl.TrimEnd('/')}/invoices/{i.Id}
            """);

    public static OutgoingMail DisputeOpened(BookingParties parties, string invoiceNumber, long transactionId, string status, MarketplaceOptions o) =>
        new("dispute_opened", parties.ProviderEmail,
            $"Payment dispute on invoice {invoiceNumber}",
            $"""
            The client's bank disputes the payment of invoice {invoiceNumber} ("{parties.ServiceDescription}"). Dispute status: {status}.
            We will contact you for evidence. {Link(o, transactionId)}
            """);

    public static OutgoingMail PaidAfterCancel(BookingParties parties, LockedBooking b, long amountCents, MarketplaceOptions o) =>
        new("payment_after_cancel", parties.ProviderEmail,
            $"Payment received for cancelled booking #{b.TransactionId}",
            $"""
            A payment of {Amount(amountCents, o)} arrived for invoice {b.InvoiceNumber}, whose booking was already cancelled.
            Our team will refund it to the client. {Link(o, b.TransactionId)}
            """);

    public static string Amount(long cents, MarketplaceOptions o) =>
        string.Create(CultureInfo.InvariantCulture, $"{cents / 100m:0.00} {o.Currency.ToUpperInvariant()}");

    private static string Link(MarketplaceOptions o, long transactionId) => $"{o.PublicBaseUrl.TrimEnd('/')}/transactions/{transactionId}";

    private static string Name(BookingParties parties) => parties.ClientFirstName is { Length: > 0 } name ? $" {name}" : "";
}

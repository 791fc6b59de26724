using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Payments;

/// <summary>
/// The mails of money operations past the happy path (failed refunds, disputes, payouts): to the
/// provider and, where a person must act, to the operators' address (Marketplace__Operators__Email).
/// </summary>
public static class PaymentMails
{
    /// <summary>The same text to the provider and, when configured, the operators.</summary>
    public static IEnumerable<OutgoingMail> ToProviderAndOperators(string kind, string providerEmail, string subject, string text, MarketplaceOptions o)
    {
        yield return new(kind, providerEmail, subject, text);
        if (o.Operators.Email is { Length: > 0 } operators)
        {
            yield return new(kind, operators, $"[operators] {subject}", text);
        }
    }

    public static IEnumerable<OutgoingMail> RefundFailed(BookingParties parties, LockedBooking b, long amountCents, string status, string? reason, MarketplaceOptions o) =>
        ToProviderAndOperators("refund_failed", parties.ProviderEmail, $"A refund on invoice {b.InvoiceNumber} {status}",
            $"""
            Stripe reports that a refund of {BookingMails.Amount(amountCents, o)} on invoice {b.InvoiceNumber} ("{parties.ServiceDescription}") {status}{(reason is { Length: > 0 } ? $" ({reason})" : "")}.
            The amount counts as paid again. Refund it again from the booking: {Link(o, b.TransactionId)}
            """, o);

    public static IEnumerable<OutgoingMail> DisputeOpened(BookingParties parties, LockedBooking b, long amountCents, string? reason, MarketplaceOptions o) =>
        ToProviderAndOperators("dispute_opened", parties.ProviderEmail, $"Payment dispute on invoice {b.InvoiceNumber}",
            $"""
            The client's bank disputes {BookingMails.Amount(amountCents, o)} of invoice {b.InvoiceNumber} ("{parties.ServiceDescription}"){(reason is { Length: > 0 } ? $", reason: {reason}" : "")}.
            The booking is on hold (it cannot be started or completed) until the dispute closes. We will contact you for evidence.
            {Link(o, b.TransactionId)}
            """, o);

    public static IEnumerable<OutgoingMail> DisputeClosed(BookingParties parties, LockedBooking b, string status, long lostCents, MarketplaceOptions o) =>
        ToProviderAndOperators("dispute_closed", parties.ProviderEmail, $"Payment dispute on invoice {b.InvoiceNumber} closed: {status}",
            status == "lost"
                ? $"""
                  The dispute of invoice {b.InvoiceNumber} ("{parties.ServiceDescription}") was lost: {BookingMails.Amount(lostCents, o)} is taken back from your payout.
                  {Link(o, b.TransactionId)}
                  """
                : $"""
                  The dispute of invoice {b.InvoiceNumber} ("{parties.ServiceDescription}") closed ({status}); the booking is released.
                  {Link(o, b.TransactionId)}
                  """, o);

    private static string Link(MarketplaceOptions o, long transactionId) => $"{o.PublicBaseUrl.TrimEnd('/')}/transactions/{transactionId}";
}

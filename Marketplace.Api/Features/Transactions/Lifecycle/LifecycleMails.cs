using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Transactions.Lifecycle;

/// <summary>The mails of the booking lifecycle (request answered, expiry, reminder); each goes to both parties.</summary>
public static class LifecycleMails
{
    public static IEnumerable<OutgoingMail> Accepted(BookingParties parties, TransactionRow t, MarketplaceOptions o) =>
        Both("booking_accepted", parties, $"Booking #{t.Id} accepted",
            $"{parties.BusinessName} accepted booking request #{t.Id} (\"{parties.ServiceDescription}\"){When(t)}.\n{Link(o, t.Id)}");

    public static IEnumerable<OutgoingMail> Declined(BookingParties parties, TransactionRow t, string reason, MarketplaceOptions o) =>
        Both("booking_declined", parties, $"Booking #{t.Id} declined",
            $"{parties.BusinessName} declined booking request #{t.Id} (\"{parties.ServiceDescription}\"){When(t)}.\nReason: {reason}\n{Link(o, t.Id)}");

    public static IEnumerable<OutgoingMail> Expired(BookingParties parties, TransactionRow t, string why, MarketplaceOptions o) =>
        Both("booking_expired", parties, $"Booking #{t.Id} expired",
            $"Booking #{t.Id} (\"{parties.ServiceDescription}\", {parties.BusinessName}){When(t)} expired: {why}. Its time slot is free again.\n{Link(o, t.Id)}");

    public static IEnumerable<OutgoingMail> Reminder(BookingParties parties, TransactionRow t, MarketplaceOptions o) =>
        Both("booking_reminder", parties, $"Reminder: booking #{t.Id} starts soon",
            $"Booking #{t.Id} (\"{parties.ServiceDescription}\", {parties.BusinessName}) starts {t.RequestedStartAt:yyyy-MM-dd HH:mm} UTC.\n{Link(o, t.Id)}");

    private static IEnumerable<OutgoingMail> Both(string kind, BookingParties parties, string subject, string text)
    {
        yield return new(kind, parties.ClientEmail, subject, text);
        yield return new(kind, parties.ProviderEmail, subject, text);
    }

    private static string When(TransactionRow t) => t.RequestedStartAt is { } start ? $" for {start:yyyy-MM-dd HH:mm} UTC" : "";

    private static string Link(MarketplaceOptions o, long transactionId) => $"{o.PublicBaseUrl.TrimEnd('/')}/transactions/{transactionId}";
}

using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Api.Features.Invoices.Pay;

/// <summary>What a Checkout Session is made of.</summary>
internal sealed record Checkout(
    long TransactionId, string ServiceDescription, long PlatformFeeCents, string? DestinationAccount,
    string ClientEmail, string? ClientFirstName, string? ClientLastName, string? StripeCustomerId);

internal static class Data
{
    public static Task<Checkout> CheckoutAsync(Db db, InvoiceRow invoice, CancellationToken ct) =>
        (from t in db.Transactions
         join p in db.Providers on t.ProviderId equals p.Id
         join u in db.Users on t.ClientId equals u.Id
         where t.Id == invoice.TransactionId
         select new Checkout(t.Id, t.ServiceDescription, t.PlatformFeeCents, p.StripeConnectAccountId,
             u.Email, u.FirstName, u.LastName, u.StripeCustomerId))
        .FirstAsync(ct);

    /// <summary>The user's Stripe customer is created once: the first stored id wins.</summary>
    public static async Task<string> StoreCustomerAsync(Db db, int userId, string customerId, CancellationToken ct)
    {
        await db.Users.Where(u => u.Id == userId && u.StripeCustomerId == null).Set(u => u.StripeCustomerId, customerId).UpdateAsync(ct);
        return await db.Users.Where(u => u.Id == userId).Select(u => u.StripeCustomerId!).FirstAsync(ct);
    }

    /// <summary>Stores the new session on the still-unpaid invoice, replacing exactly the session that was read (0 rows otherwise).</summary>
    public static Task<int> StoreSessionAsync(Db db, int invoiceId, string? previousSessionId, string sessionId, string url, DateTime expiresAt, CancellationToken ct) =>
        db.Invoices
            .Where(i => i.Id == invoiceId && Bookings.UnpaidInvoiceStatuses.Contains(i.Status) && i.StripeCheckoutSessionId == previousSessionId)
            .Set(i => i.StripeCheckoutSessionId, sessionId)
            .Set(i => i.StripeCheckoutUrl, url)
            .Set(i => i.StripeCheckoutExpiresAt, expiresAt)
            .UpdateAsync(ct);
}

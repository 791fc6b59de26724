using LinqToDB.Async;
using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Payments;

/// <summary>The two sides of a booking, as the caller of a transaction or invoice endpoint is one of them.</summary>
public static class PartyRole
{
    public const string Client = "client";
    public const string Provider = "provider";
}

/// <summary>Who to write to about a booking.</summary>
public sealed record BookingParties(
    string ClientEmail, string? ClientFirstName, string ProviderEmail, string BusinessName, string ServiceDescription);

/// <summary>
/// What the transaction and invoice slices share about a booking: who may see it (only its client
/// and its provider; anyone else gets 404) and who to write to.
/// </summary>
public static class Bookings
{
    /// <summary>
    /// Transaction statuses (seed: pending -> invoiced -> paid -> in_progress -> completed | cancelled | refunded; a booking
    /// request starts requested and ends declined or expired, an unpaid invoice past its payment window expired).
    /// </summary>
    public static readonly string[] TransactionStatuses = ["requested", "pending", "invoiced", "paid", "in_progress", "completed", "cancelled", "refunded", "declined", "expired"];

    /// <summary>Invoice statuses that still wait for a payment.</summary>
    public static readonly string[] UnpaidInvoiceStatuses = ["draft", "sent", "viewed"];

    /// <summary>The caller's role on a booking, or null when the caller is neither its client nor its provider.</summary>
    public static string? RoleOf(CurrentUser user, int clientId, int providerId) =>
        user.Id == clientId ? PartyRole.Client
        : user.ProviderId == providerId ? PartyRole.Provider
        : null;

    /// <summary>The transaction if the caller is one of its parties (else 404), with the caller's role.</summary>
    public static async Task<(TransactionRow Transaction, string Role)> FindForCallerAsync(Db db, long id, CurrentUser user, CancellationToken ct)
    {
        var row = await db.Transactions.FirstOrDefaultAsync(t => t.Id == id, ct);
        var role = row is null ? null : RoleOf(user, row.ClientId, row.ProviderId);
        return row is not null && role is not null ? (row, role) : throw ApiProblem.NotFound("transaction");
    }

    /// <summary>The invoice if the caller is one of its parties (else 404), with the caller's role.</summary>
    public static async Task<(InvoiceRow Invoice, string Role)> FindInvoiceForCallerAsync(Db db, int id, CurrentUser user, CancellationToken ct)
    {
        var row = await db.Invoices.FirstOrDefaultAsync(i => i.Id == id, ct);
        var role = row is null ? null : RoleOf(user, row.ClientId, row.ProviderId);
        return row is not null && role is not null ? (row, role) : throw ApiProblem.NotFound("invoice");
    }

    public static Task<BookingParties> PartiesAsync(Db db, long transactionId, CancellationToken ct) =>
        (from t in db.Transactions
         join c in db.Users on t.ClientId equals c.Id
         join p in db.Providers on t.ProviderId equals p.Id
         join o in db.Users on p.UserId equals o.Id
         where t.Id == transactionId
         select new BookingParties(c.Email, c.FirstName, o.Email, p.BusinessName, t.ServiceDescription))
        .FirstAsync(ct);
}

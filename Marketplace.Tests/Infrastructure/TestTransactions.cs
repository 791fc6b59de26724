using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Tests.Infrastructure;

/// <summary>
/// Builds transactions (bookings) straight into the database, for tests of slices that need one in
/// a given state but are not about the booking workflow. The money columns satisfy the schema's
/// checks (DESIGN money rules): fee = 10 % of the price, total = price + tax, payout = total - fee.
/// </summary>
public static class TestTransactions
{
    public static async Task<long> CreateTransactionAsync(this AppFixture app, TestUser client, TestProvider provider,
        int? listingId = null, string status = "completed", long priceCents = 10_000, long taxCents = 0)
    {
        using var db = app.Db();
        var now = DateTime.UtcNow;
        var fee = (priceCents * 1000 + 5000) / 10_000;
        var total = priceCents + taxCents;
        var reached = Reached(status);
        return await db.InsertWithInt64IdentityAsync(new TransactionRow
        {
            ClientId = client.Id,
            ProviderId = provider.Id,
            ListingId = listingId,
            ServiceDescription = $"Test booking {Guid.NewGuid():N}"[..21],
            ServicePriceCents = priceCents,
            PlatformFeeCents = fee,
            TaxCents = taxCents,
            TotalCents = total,
            ProviderPayoutCents = total - fee,
            Status = status,
            CreatedAt = now,
            InvoicedAt = reached >= 1 ? now : null,
            PaidAt = reached >= 2 ? now : null,
            StartedAt = reached >= 3 ? now : null,
            CompletedAt = reached >= 4 ? now : null,
            CancelledAt = status == "cancelled" ? now : null,
            CancelledBy = status == "cancelled" ? "client" : null,
            RefundedAt = status == "refunded" ? now : null,
            RefundAmountCents = status == "refunded" ? total : 0,
        });
    }

    /// <summary>How far along pending -> invoiced -> paid -> in_progress -> completed the status is.</summary>
    private static int Reached(string status) => status switch
    {
        "invoiced" => 1,
        "paid" or "refunded" => 2,
        "in_progress" => 3,
        "completed" => 4,
        _ => 0,
    };
}

namespace Marketplace.Api.Features.Providers.Dashboard;

/// <summary>
/// The provider's figures. Revenue counts paid bookings (paid_at set), by the month they were paid
/// (UTC): gross = what clients paid net of refunds (tax included); platformFees = the platform fee
/// net of its refunded part; netPayout = gross - platformFees, what the provider keeps.
/// </summary>
public sealed record Response(
    string Currency,
    RevenueTotals AllTime,
    RevenueTotals Last30Days,
    IReadOnlyList<MonthRevenue> Monthly,
    TransactionCounts Transactions,
    ListingStats Listings,
    RatingStats Rating,
    PayoutTotals Payouts);

public sealed record RevenueTotals(long GrossCents, long PlatformFeesCents, long NetPayoutCents, long RefundedCents, int PaidTransactions);

/// <summary>One of the last 12 months, oldest first, the current month last; month is YYYY-MM (UTC).</summary>
public sealed record MonthRevenue(string Month, long GrossCents, long PlatformFeesCents, long NetPayoutCents, int PaidTransactions);

public sealed record TransactionCounts(int Total, int Pending, int Invoiced, int Paid, int InProgress, int Completed, int Cancelled, int Refunded);

public sealed record ListingStats(int Total, int Active, long Views, long Inquiries, long Bookings);

public sealed record RatingStats(decimal Average, int Reviews);

/// <summary>
/// What Stripe actually paid out to the provider's bank (from payout.* events) beside the ledger's figures.
/// </summary>
/// <param name="PaidOutCents">payouts Stripe reports paid</param>
/// <param name="InTransitCents">payouts pending or in transit</param>
/// <param name="FailedCents">payouts that failed or were canceled (the money went back to the Stripe balance)</param>
/// <param name="LedgerPayoutCents">the ledger's figure (providers.lifetime_payout_cents): what the provider earned from paid bookings net of refunds and platform fees, not what was paid out</param>
/// <param name="DisputesLostCents">disputed amounts lost, taken back from the provider's transfers</param>
public sealed record PayoutTotals(long PaidOutCents, long InTransitCents, long FailedCents, long LedgerPayoutCents, long DisputesLostCents);

using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Providers.Dashboard;

internal static class Data
{
    public sealed class RevenueRow
    {
        public long GrossCents { get; set; }
        public long PlatformFeesCents { get; set; }
        public long RefundedCents { get; set; }
        public int PaidTransactions { get; set; }
        public long Gross30Cents { get; set; }
        public long PlatformFees30Cents { get; set; }
        public long Refunded30Cents { get; set; }
        public int Paid30Transactions { get; set; }
    }

    public sealed class MonthRow
    {
        public string Month { get; set; } = "";
        public long GrossCents { get; set; }
        public long PlatformFeesCents { get; set; }
        public int PaidTransactions { get; set; }
    }

    public sealed class StatusRow
    {
        public string Status { get; set; } = "";
        public int Count { get; set; }
    }

    public sealed class ListingsRow
    {
        public int Total { get; set; }
        public int Active { get; set; }
        public long Views { get; set; }
        public long Inquiries { get; set; }
        public long Bookings { get; set; }
    }

    public static async Task<RevenueRow> RevenueAsync(Db db, int providerId, DateTime since, CancellationToken ct) =>
        (await db.QueryToListAsync<RevenueRow>(
            """
            SELECT coalesce(sum(total_cents - refund_amount_cents), 0)                                      AS "GrossCents",
                   coalesce(sum(platform_fee_cents - platform_fee_refunded_cents), 0)                       AS "PlatformFeesCents",
                   coalesce(sum(refund_amount_cents), 0)                                                    AS "RefundedCents",
                   count(*)::int                                                                            AS "PaidTransactions",
                   coalesce(sum(total_cents - refund_amount_cents) FILTER (WHERE paid_at >= @since), 0)     AS "Gross30Cents",
                   coalesce(sum(platform_fee_cents - platform_fee_refunded_cents) FILTER (WHERE paid_at >= @since), 0) AS "PlatformFees30Cents",
                   coalesce(sum(refund_amount_cents) FILTER (WHERE paid_at >= @since), 0)                   AS "Refunded30Cents",
                   (count(*) FILTER (WHERE paid_at >= @since))::int                                         AS "Paid30Transactions"
              FROM marketplace.transactions
             WHERE provider_id = @providerId AND paid_at IS NOT NULL
            """,
            ct,
            new DataParameter("providerId", providerId),
            new DataParameter("since", since, DataType.DateTimeOffset)))[0];

    /// <summary>The last 12 UTC months (the current one last), empty months included.</summary>
    public static Task<List<MonthRow>> MonthlyAsync(Db db, int providerId, DateTime now, CancellationToken ct) =>
        db.QueryToListAsync<MonthRow>(
            """
            SELECT to_char(m.month, 'YYYY-MM')                                              AS "Month",
                   coalesce(sum(t.total_cents - t.refund_amount_cents), 0)                  AS "GrossCents",
                   coalesce(sum(t.platform_fee_cents - t.platform_fee_refunded_cents), 0)   AS "PlatformFeesCents",
                   count(t.id)::int                                                         AS "PaidTransactions"
              FROM generate_series(date_trunc('month', @now AT TIME ZONE 'UTC') - interval '11 months',
                                   date_trunc('month', @now AT TIME ZONE 'UTC'), interval '1 month') AS m(month)
              LEFT JOIN marketplace.transactions t
                ON t.provider_id = @providerId AND t.paid_at IS NOT NULL
               AND t.paid_at >= (m.month AT TIME ZONE 'UTC') AND t.paid_at < ((m.month + interval '1 month') AT TIME ZONE 'UTC')
             GROUP BY m.month
             ORDER BY m.month
            """,
            ct,
            new DataParameter("providerId", providerId),
            new DataParameter("now", now, DataType.DateTimeOffset));

    public static Task<List<StatusRow>> StatusCountsAsync(Db db, int providerId, CancellationToken ct) =>
        db.Transactions
            .Where(t => t.ProviderId == providerId)
            .GroupBy(t => t.Status)
            .Select(g => new StatusRow { Status = g.Key, Count = g.Count() })
            .ToListAsync(ct);

    public static async Task<ListingsRow> ListingsAsync(Db db, int providerId, CancellationToken ct) =>
        (await db.QueryToListAsync<ListingsRow>(
            """
            SELECT count(*)::int                                    AS "Total",
                   (count(*) FILTER (WHERE status = 'active'))::int AS "Active",
                   coalesce(sum(view_count), 0)::bigint             AS "Views",
                   coalesce(sum(inquiry_count), 0)::bigint          AS "Inquiries",
                   coalesce(sum(booking_count), 0)::bigint          AS "Bookings"
              FROM marketplace.service_listings
             WHERE provider_id = @providerId AND deleted_at IS NULL
            """,
            ct,
            new DataParameter("providerId", providerId)))[0];

    public static Task<RatingStats> RatingAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId).Select(p => new RatingStats(p.AverageRating, p.TotalReviews)).FirstAsync(ct);

    /// <summary>The payouts Stripe reported, summed by state (payouts rows), and the provider's ledger counters beside them.</summary>
    public static async Task<PayoutTotals> PayoutsAsync(Db db, int providerId, CancellationToken ct)
    {
        var sums = await db.Payouts.Where(p => p.ProviderId == providerId)
            .GroupBy(p => p.Status)
            .Select(g => new { Status = g.Key, Cents = g.Sum(p => p.AmountCents) })
            .ToListAsync(ct);
        var provider = await db.Providers.Where(p => p.Id == providerId)
            .Select(p => new { p.LifetimePayoutCents, p.DisputesLostCents }).FirstAsync(ct);
        long Sum(params string[] statuses) => sums.Where(s => statuses.Contains(s.Status)).Sum(s => s.Cents);
        return new PayoutTotals(Sum("paid"), Sum("pending", "in_transit"), Sum("failed", "canceled"), provider.LifetimePayoutCents, provider.DisputesLostCents);
    }
}

using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Metrics.Get;

/// <summary>One query per figure, each a range scan of one index (migration 202611268003, ix_transactions_created_at_id).</summary>
internal static class Data
{
    public static async Task<(long Gross, long Fees)> PaidAsync(Db db, DateTime from, DateTime to, CancellationToken ct) =>
        (await Pg.QueryAsync(db, """
            SELECT COALESCE(sum(total_cents), 0)::bigint, COALESCE(sum(platform_fee_cents - platform_fee_refunded_cents), 0)::bigint
              FROM marketplace.transactions WHERE paid_at >= $1 AND paid_at < $2
            """, r => (r.GetInt64(0), r.GetInt64(1)), ct, Pg.P(from), Pg.P(to)))[0];

    public static async Task<long> RefundsAsync(Db db, DateTime from, DateTime to, CancellationToken ct) =>
        (await Pg.QueryAsync(db, "SELECT COALESCE(sum(refund_amount_cents), 0)::bigint FROM marketplace.transactions WHERE refunded_at >= $1 AND refunded_at < $2",
            r => r.GetInt64(0), ct, Pg.P(from), Pg.P(to)))[0];

    public static async Task<Dictionary<string, int>> BookingsByStatusAsync(Db db, DateTime from, DateTime to, CancellationToken ct) =>
        (await Pg.QueryAsync(db, "SELECT status, count(*)::int FROM marketplace.transactions WHERE created_at >= $1 AND created_at < $2 GROUP BY status",
            r => (r.GetString(0), r.GetInt32(1)), ct, Pg.P(from), Pg.P(to))).ToDictionary(x => x.Item1, x => x.Item2);

    /// <summary>Rows of one table created per UTC day; <paramref name="table"/> is one of two constants, never input.</summary>
    public static async Task<List<DayCount>> PerDayAsync(Db db, string table, DateTime from, DateTime to, CancellationToken ct) =>
        await Pg.QueryAsync(db, $"""
            SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD'), count(*)::int
              FROM marketplace.{table} WHERE created_at >= $1 AND created_at < $2 GROUP BY 1 ORDER BY 1
            """, r => new DayCount(r.GetString(0), r.GetInt32(1)), ct, Pg.P(from), Pg.P(to));
}

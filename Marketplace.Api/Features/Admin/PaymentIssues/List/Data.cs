using System.Text.Json;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.PaymentIssues.List;

internal static class Data
{
    /// <summary>
    /// The audit rows the webhook writes for what it will not apply (Payments/Ledger.cs, Webhooks/Stripe/Events.cs),
    /// newest first on ix_audit_log_payment_issues. A closed dispute is an issue only when it was lost.
    /// </summary>
    public static Task<List<Item>> PageAsync(Db db, string? kind, Cursor? after, int limit, CancellationToken ct) =>
        Pg.QueryAsync(db, """
            SELECT a.id, a.action, a.entity_id::int, i.transaction_id, i.status, i.dispute_status, a.details::text, a.created_at
              FROM marketplace.audit_log a
              LEFT JOIN marketplace.invoices i ON i.id = a.entity_id
             WHERE a.entity_type = 'invoice'
               AND a.action IN ('duplicate_payment', 'payment_after_cancel', 'payment_mismatch', 'refund_mismatch', 'dispute_opened', 'dispute_closed')
               AND (a.action <> 'dispute_closed' OR a.details->>'status' = 'lost')
               -- resolved (or being resolved) by an operator: POST /admin/payment-issues/{id}/resolve
               AND NOT EXISTS (SELECT 1 FROM marketplace.payment_issue_resolutions r WHERE r.audit_log_id = a.id)
               AND ($1::text IS NULL OR a.action = $1)
               AND ($2::timestamptz IS NULL OR a.created_at < $2 OR (a.created_at = $2 AND a.id < $3))
             ORDER BY a.created_at DESC, a.id DESC
             LIMIT $4
            """, r => new Item(r.GetInt64(0), KindOf(r.GetString(1)), r.GetInt32(2), r.Get<long?>(3), r.Get<string>(4), r.Get<string>(5),
                JsonDocument.Parse(r.IsDBNull(6) ? "{}" : r.GetString(6)).RootElement.Clone(), r.GetDateTime(7)),
            ct, Pg.P(ActionOf(kind)), Pg.P(after?.CreatedAt), Pg.P(after?.Id ?? 0L), Pg.P(limit + 1));

    private static string KindOf(string action) => action switch
    {
        "payment_mismatch" => "amount_or_currency_mismatch",
        "dispute_closed" => "dispute_lost",
        _ => action,
    };

    private static string? ActionOf(string? kind) => kind switch
    {
        null => null,
        "amount_or_currency_mismatch" => "payment_mismatch",
        "dispute_lost" => "dispute_closed",
        _ => kind,
    };
}

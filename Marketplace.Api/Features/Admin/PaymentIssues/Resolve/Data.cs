using System.Text.Json;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.PaymentIssues.Resolve;

/// <summary>A flagged payment as the webhook recorded it.</summary>
internal sealed record Issue(long Id, string Kind, int InvoiceId, string? ChargeId, long? AmountCents);

internal static class Data
{
    /// <summary>Only these kinds are a charge the platform should not have kept; the others are resolved by dismissing.</summary>
    public static readonly string[] RefundableKinds = ["duplicate_payment", "payment_after_cancel"];

    /// <summary>The same rows GET /admin/payment-issues lists (List/Data.cs), by id.</summary>
    public static async Task<Issue?> IssueAsync(Db db, long id, CancellationToken ct) =>
        (await Pg.QueryAsync(db, """
            SELECT a.id, a.action, a.entity_id::int, a.details::text
              FROM marketplace.audit_log a
             WHERE a.id = $1 AND a.entity_type = 'invoice'
               AND a.action IN ('duplicate_payment', 'payment_after_cancel', 'payment_mismatch', 'refund_mismatch', 'dispute_opened', 'dispute_closed')
               AND (a.action <> 'dispute_closed' OR a.details->>'status' = 'lost')
            """, r =>
            {
                using var details = r.IsDBNull(3) ? null : JsonDocument.Parse(r.GetString(3));
                var root = details?.RootElement;
                string? charge = root is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("chargeId", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                long? amount = root is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty("amountCents", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetInt64() : null;
                var action = r.GetString(1);
                return new Issue(r.GetInt64(0), action switch { "payment_mismatch" => "amount_or_currency_mismatch", "dispute_closed" => "dispute_lost", _ => action },
                    r.GetInt32(2), charge, amount);
            }, ct, Pg.P(id))).SingleOrDefault();

    /// <summary>The claim: the primary key lets exactly one resolution of an issue in, whoever else tries at the same time.</summary>
    public static Task<int> ClaimAsync(Db db, Issue issue, string action, string note, int adminId, DateTime now, CancellationToken ct) =>
        Pg.ExecuteAsync(db, """
            INSERT INTO marketplace.payment_issue_resolutions (audit_log_id, action, note, resolved_by, resolved_at)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (audit_log_id) DO NOTHING
            """, ct, Pg.P(issue.Id), Pg.P(action), Pg.P(note), Pg.P(adminId), Pg.P(now));

    /// <summary>Gives a refund claim back when Stripe refused or failed, so the operator can try again.</summary>
    public static Task<int> ReleaseAsync(Db db, long id, CancellationToken ct) =>
        Pg.ExecuteAsync(db, "DELETE FROM marketplace.payment_issue_resolutions WHERE audit_log_id = $1 AND stripe_refund_id IS NULL", ct, Pg.P(id));

    public static Task<int> RecordRefundAsync(Db db, long id, string refundId, CancellationToken ct) =>
        Pg.ExecuteAsync(db, "UPDATE marketplace.payment_issue_resolutions SET stripe_refund_id = $2 WHERE audit_log_id = $1", ct, Pg.P(id), Pg.P(refundId));
}

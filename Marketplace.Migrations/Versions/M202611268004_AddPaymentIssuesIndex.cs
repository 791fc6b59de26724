using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>The admins' payment issues: what the webhook flagged on invoices (audit rows), newest first.</summary>
[Migration(202611268004, "Audit log: index of the payment issues the webhook flags (duplicates, mismatches, payments after cancel, disputes)")]
public sealed class M202611268004_AddPaymentIssuesIndex : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE INDEX ix_audit_log_payment_issues ON marketplace.audit_log (created_at DESC, id DESC)
            WHERE entity_type = 'invoice'
              AND action IN ('duplicate_payment', 'payment_after_cancel', 'payment_mismatch', 'refund_mismatch', 'dispute_opened', 'dispute_closed');
        """);

    public override void Down() => Execute.Sql("DROP INDEX marketplace.ix_audit_log_payment_issues;");
}

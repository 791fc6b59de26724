using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611271000, "How operators resolved the payment issues the webhook flagged")]
public sealed class M202611271000_CreatePaymentIssueResolutions : Migration
{
    public override void Up() => Execute.Sql(@"
CREATE TABLE marketplace.payment_issue_resolutions (
    audit_log_id bigint PRIMARY KEY REFERENCES marketplace.audit_log (id) ON DELETE CASCADE,
    action text NOT NULL CHECK (action IN ('refund', 'dismiss')),
    note text NOT NULL,
    resolved_by integer NOT NULL REFERENCES marketplace.users (id),
    resolved_at timestamptz NOT NULL,
    stripe_refund_id text
);
COMMENT ON TABLE marketplace.payment_issue_resolutions IS 'One row per resolved payment issue (its audit row): the primary key is the claim, so concurrent resolutions make one.';
");

    public override void Down() => Execute.Sql(@"
DROP TABLE marketplace.payment_issue_resolutions;
");
}

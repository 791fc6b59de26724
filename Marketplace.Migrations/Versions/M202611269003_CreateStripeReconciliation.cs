using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611269003, "Create the Stripe reconciliation's state: its high-water mark and the claim of the running instance")]
public sealed class M202611269003_CreateStripeReconciliation : Migration
{
    public override void Up() => Execute.Sql(@"
CREATE TABLE marketplace.stripe_reconciliation (
    id              integer NOT NULL,
    high_water_mark timestamptz,
    claimed_until   timestamptz,
    last_run_at     timestamptz,
    last_report     jsonb,
    CONSTRAINT pk_stripe_reconciliation PRIMARY KEY (id),
    CONSTRAINT ck_stripe_reconciliation_single CHECK (id = 1)
);
COMMENT ON TABLE marketplace.stripe_reconciliation IS 'One row: up to when Stripe''s events have been listed and applied (high_water_mark, an event created time) and which run holds the claim (claimed_until), so one instance reconciles at a time.';
INSERT INTO marketplace.stripe_reconciliation (id) VALUES (1);
");

    public override void Down() => Execute.Sql("DROP TABLE marketplace.stripe_reconciliation;");
}

using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611269000, "Record refunds Stripe reports failed or canceled, and flag their invoices")]
public sealed class M202611269000_AddRefundFailures : Migration
{
    public override void Up() => Execute.Sql(@"
ALTER TABLE marketplace.invoices
    ADD COLUMN refund_failed_at timestamptz,
    ADD COLUMN refund_failure varchar(100),
    ADD COLUMN refund_attempt integer NOT NULL DEFAULT 0;

COMMENT ON COLUMN marketplace.invoices.refund_failed_at IS 'Set when Stripe reported a refund of this invoice failed or canceled (the invoice is flagged for the provider and operators).';
COMMENT ON COLUMN marketplace.invoices.refund_attempt IS 'Counts failed refunds: part of the Stripe idempotency key of the next refund, so a retry makes a new refund instead of replaying the failed one.';

CREATE TABLE marketplace.refund_failures (
    refund_id       varchar(255) NOT NULL,
    invoice_id      integer NOT NULL,
    transaction_id  bigint NOT NULL,
    provider_id     integer NOT NULL,
    amount_cents    bigint NOT NULL,
    reverted_cents  bigint NOT NULL,
    status          varchar(20) NOT NULL,
    failure_reason  varchar(100),
    event_id        varchar(255) NOT NULL,
    failed_at       timestamptz NOT NULL,
    CONSTRAINT pk_refund_failures PRIMARY KEY (refund_id),
    CONSTRAINT ck_refund_failures_status CHECK (status IN ('failed', 'canceled'))
);

COMMENT ON TABLE marketplace.refund_failures IS 'One row per Stripe refund reported failed or canceled: its primary key makes the revert happen once, whichever event reports it.';
CREATE INDEX ix_refund_failures_invoice_id ON marketplace.refund_failures (invoice_id);

ALTER TABLE marketplace.stripe_events DROP CONSTRAINT ck_stripe_events_outcome;
ALTER TABLE marketplace.stripe_events ADD CONSTRAINT ck_stripe_events_outcome CHECK (outcome IN (
        'applied', 'no_change', 'ignored', 'unmatched', 'deferred', 'stale',
        'amount_mismatch', 'currency_mismatch', 'duplicate_payment', 'paid_after_cancel',
        'awaiting_payment', 'payment_failed', 'dispute', 'refund_failed'));
");

    public override void Down() => Execute.Sql(@"
UPDATE marketplace.stripe_events SET outcome = 'applied' WHERE outcome = 'refund_failed';
ALTER TABLE marketplace.stripe_events DROP CONSTRAINT ck_stripe_events_outcome;
ALTER TABLE marketplace.stripe_events ADD CONSTRAINT ck_stripe_events_outcome CHECK (outcome IN (
        'applied', 'no_change', 'ignored', 'unmatched', 'deferred', 'stale',
        'amount_mismatch', 'currency_mismatch', 'duplicate_payment', 'paid_after_cancel',
        'awaiting_payment', 'payment_failed', 'dispute'));
DROP TABLE marketplace.refund_failures;
ALTER TABLE marketplace.invoices DROP COLUMN refund_failed_at, DROP COLUMN refund_failure, DROP COLUMN refund_attempt;
");
}

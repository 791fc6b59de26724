using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// Every Stripe webhook event received, by its id: the primary key makes a re-delivered event a
/// no-op, and the event is applied in the same database transaction that inserts its row.
/// </summary>
[Migration(202611244002, "Create the received Stripe webhook events")]
public sealed class M202611244002_CreateStripeEvents : Migration
{
    public override void Up() => Execute.Sql(@"
CREATE TABLE marketplace.stripe_events (
    id                  varchar(255) NOT NULL,
    type                varchar(100) NOT NULL,
    livemode            boolean NOT NULL,
    account             varchar(255),
    api_version         varchar(50),
    object_id           varchar(255),
    event_created_at    timestamptz NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    processed_at        timestamptz,
    outcome             varchar(30) NOT NULL,
    detail              varchar(1000),
    invoice_id          integer,
    transaction_id      bigint,
    provider_id         integer,
    payload             jsonb NOT NULL,
    CONSTRAINT pk_stripe_events PRIMARY KEY (id),
    CONSTRAINT ck_stripe_events_outcome CHECK (outcome IN (
        'applied', 'no_change', 'ignored', 'unmatched', 'deferred', 'stale',
        'amount_mismatch', 'currency_mismatch', 'duplicate_payment', 'paid_after_cancel',
        'awaiting_payment', 'payment_failed', 'dispute'))
);

COMMENT ON TABLE marketplace.stripe_events IS 'Stripe webhook events received (verified), one row per event id, with what applying it did (outcome). Flagged outcomes (amount_mismatch, currency_mismatch, duplicate_payment, paid_after_cancel, dispute) need an operator.';
COMMENT ON COLUMN marketplace.stripe_events.object_id IS 'data.object.id of the event (cs_, ch_, pi_, dp_, acct_ ...).';
COMMENT ON COLUMN marketplace.stripe_events.invoice_id IS 'The invoice the event was applied to. Like audit_log.entity_id, a plain reference without a foreign key: the log is append-mostly and written on the webhook''s hot path.';

CREATE INDEX ix_stripe_events_object_id ON marketplace.stripe_events (object_id, type, event_created_at);
CREATE INDEX ix_stripe_events_invoice_id ON marketplace.stripe_events (invoice_id) WHERE invoice_id IS NOT NULL;
CREATE INDEX ix_stripe_events_flagged ON marketplace.stripe_events (received_at)
    WHERE outcome IN ('amount_mismatch', 'currency_mismatch', 'duplicate_payment', 'paid_after_cancel', 'dispute');
");

    public override void Down() => Execute.Sql("DROP TABLE marketplace.stripe_events;");
}

using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611269001, "Disputes put bookings on hold; a lost dispute records its loss and reverses the provider's transfer once")]
public sealed class M202611269001_AddDisputeHoldsAndTransferReversals : Migration
{
    public override void Up() => Execute.Sql(@"
ALTER TABLE marketplace.transactions
    ADD COLUMN on_hold_at timestamptz,
    ADD COLUMN on_hold_reason varchar(30),
    ADD CONSTRAINT ck_transactions_on_hold_reason CHECK (on_hold_reason IS NULL OR on_hold_reason IN ('dispute'));
COMMENT ON COLUMN marketplace.transactions.on_hold_at IS 'Set while a payment dispute is open: the booking cannot be started or completed.';

ALTER TABLE marketplace.invoices
    ADD COLUMN dispute_amount_cents bigint,
    ADD COLUMN dispute_withdrawn_cents bigint NOT NULL DEFAULT 0,
    ADD COLUMN dispute_lost_cents bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN marketplace.invoices.dispute_lost_cents IS 'The disputed amount of a lost dispute: taken back from the provider (transfer_reversals).';

ALTER TABLE marketplace.providers ADD COLUMN disputes_lost_cents bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN marketplace.providers.disputes_lost_cents IS 'Sum of invoices.dispute_lost_cents of the provider''s bookings.';

CREATE TABLE marketplace.transfer_reversals (
    id                  bigint GENERATED ALWAYS AS IDENTITY,
    dispute_id          varchar(255) NOT NULL,
    charge_id           varchar(255) NOT NULL,
    invoice_id          integer NOT NULL,
    transaction_id      bigint NOT NULL,
    provider_id         integer NOT NULL,
    disputed_cents      bigint NOT NULL,
    amount_cents        bigint,
    status              varchar(20) NOT NULL DEFAULT 'pending',
    stripe_transfer_id  varchar(255),
    stripe_reversal_id  varchar(255),
    attempts            integer NOT NULL DEFAULT 0,
    claimed_until       timestamptz,
    last_error          varchar(500),
    event_id            varchar(255) NOT NULL,
    created_at          timestamptz NOT NULL,
    completed_at        timestamptz,
    CONSTRAINT pk_transfer_reversals PRIMARY KEY (id),
    CONSTRAINT ux_transfer_reversals_dispute_id UNIQUE (dispute_id),
    CONSTRAINT ck_transfer_reversals_status CHECK (status IN ('pending', 'reversed', 'nothing_to_reverse'))
);
COMMENT ON TABLE marketplace.transfer_reversals IS 'The intent to take a lost dispute back from the provider''s transfer, written in the dispute event''s transaction; the Stripe call (POST /v1/transfers/{id}/reversals, idempotency key per dispute) runs after commit by whoever claims the row.';
CREATE INDEX ix_transfer_reversals_pending ON marketplace.transfer_reversals (created_at) WHERE status = 'pending';
");

    public override void Down() => Execute.Sql(@"
DROP TABLE marketplace.transfer_reversals;
ALTER TABLE marketplace.providers DROP COLUMN disputes_lost_cents;
ALTER TABLE marketplace.invoices DROP COLUMN dispute_amount_cents, DROP COLUMN dispute_withdrawn_cents, DROP COLUMN dispute_lost_cents;
ALTER TABLE marketplace.transactions DROP CONSTRAINT ck_transactions_on_hold_reason, DROP COLUMN on_hold_at, DROP COLUMN on_hold_reason;
");
}

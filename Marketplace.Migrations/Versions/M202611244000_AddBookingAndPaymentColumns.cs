using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// What the booking and payment workflow needs beyond the seed's columns: the booked quantity and
/// requested times, the client's refund request, the platform fee given back by refunds, the open
/// Checkout Session of an invoice, dispute flags, the invoice number sequence, and the invoice
/// invariants (balance = total - paid; refunded at most paid).
/// </summary>
[Migration(202611244000, "Add booking, checkout, refund and dispute columns; invoice number sequence and invariants")]
public sealed class M202611244000_AddBookingAndPaymentColumns : Migration
{
    public override void Up() => Execute.Sql(@"
ALTER TABLE marketplace.transactions
    ADD COLUMN quantity                     integer NOT NULL DEFAULT 1,
    ADD COLUMN requested_start_at           timestamptz,
    ADD COLUMN requested_end_at             timestamptz,
    ADD COLUMN refund_requested_at          timestamptz,
    ADD COLUMN refund_requested_cents       bigint,
    ADD COLUMN platform_fee_refunded_cents  bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT ck_transactions_quantity CHECK (quantity BETWEEN 1 AND 10000),
    ADD CONSTRAINT ck_transactions_requested_window CHECK (requested_end_at IS NULL OR requested_start_at IS NULL OR requested_end_at > requested_start_at),
    ADD CONSTRAINT ck_transactions_refund_requested CHECK (refund_requested_cents IS NULL OR (refund_requested_cents > 0 AND refund_requested_cents <= total_cents)),
    ADD CONSTRAINT ck_transactions_fee_refunded CHECK (platform_fee_refunded_cents >= 0 AND platform_fee_refunded_cents <= platform_fee_cents);

COMMENT ON COLUMN marketplace.transactions.refund_amount_cents IS 'Refunded so far (equals the invoice''s refunded_cents).';
COMMENT ON COLUMN marketplace.transactions.platform_fee_refunded_cents IS 'Part of the platform fee given back by refunds (Stripe refund_application_fee, proportional to the amount refunded).';
COMMENT ON COLUMN marketplace.transactions.refund_requested_at IS 'When the client asked for a refund (POST /transactions/{id}/refund by the client); cleared once the provider refunds.';

ALTER TABLE marketplace.invoices
    ADD COLUMN stripe_checkout_session_id   varchar(255),
    ADD COLUMN stripe_checkout_url          varchar(2000),
    ADD COLUMN stripe_checkout_expires_at   timestamptz,
    ADD COLUMN stripe_dispute_id            varchar(255),
    ADD COLUMN dispute_status               varchar(30),
    ADD COLUMN disputed_at                  timestamptz,
    ADD CONSTRAINT ux_invoices_stripe_checkout_session_id UNIQUE (stripe_checkout_session_id),
    -- balance is what is still owed; refunds are tracked apart, in refunded_cents
    ADD CONSTRAINT ck_invoices_balance CHECK (balance_cents = total_cents - paid_cents),
    ADD CONSTRAINT ck_invoices_paid CHECK (paid_cents <= total_cents),
    ADD CONSTRAINT ck_invoices_refunded_paid CHECK (refunded_cents <= paid_cents),
    ADD CONSTRAINT ck_invoices_dispute_status CHECK (dispute_status IN (
        'warning_needs_response', 'warning_under_review', 'warning_closed',
        'needs_response', 'under_review', 'won', 'lost', 'prevented'));

COMMENT ON COLUMN marketplace.invoices.stripe_checkout_session_id IS 'The Checkout Session offered for this invoice; reused while open (until stripe_checkout_expires_at).';
COMMENT ON COLUMN marketplace.invoices.dispute_status IS 'Status of the latest Stripe dispute on the charge (charge.dispute.* webhooks); a closed status is never replaced by an open one.';

CREATE INDEX ix_invoices_stripe_dispute_id ON marketplace.invoices (stripe_dispute_id) WHERE stripe_dispute_id IS NOT NULL;

-- MP-<year>-<number>: one sequence for all years, so numbers never repeat
CREATE SEQUENCE marketplace.invoice_number_seq AS bigint START WITH 1;
");

    public override void Down() => Execute.Sql(@"
DROP SEQUENCE marketplace.invoice_number_seq;
COMMENT ON COLUMN marketplace.transactions.refund_amount_cents IS NULL;
DROP INDEX marketplace.ix_invoices_stripe_dispute_id;
ALTER TABLE marketplace.invoices
    DROP CONSTRAINT ck_invoices_dispute_status,
    DROP CONSTRAINT ck_invoices_refunded_paid,
    DROP CONSTRAINT ck_invoices_paid,
    DROP CONSTRAINT ck_invoices_balance,
    DROP CONSTRAINT ux_invoices_stripe_checkout_session_id,
    DROP COLUMN disputed_at,
    DROP COLUMN dispute_status,
    DROP COLUMN stripe_dispute_id,
    DROP COLUMN stripe_checkout_expires_at,
    DROP COLUMN stripe_checkout_url,
    DROP COLUMN stripe_checkout_session_id;
ALTER TABLE marketplace.transactions
    DROP CONSTRAINT ck_transactions_fee_refunded,
    DROP CONSTRAINT ck_transactions_refund_requested,
    DROP CONSTRAINT ck_transactions_requested_window,
    DROP CONSTRAINT ck_transactions_quantity,
    DROP COLUMN platform_fee_refunded_cents,
    DROP COLUMN refund_requested_cents,
    DROP COLUMN refund_requested_at,
    DROP COLUMN requested_end_at,
    DROP COLUMN requested_start_at,
    DROP COLUMN quantity;
");
}

using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// A refund through Stripe is claimed on its invoice before Stripe is called and released when it
/// is recorded, so two refunds of one invoice can never be in flight at once (the second answers
/// 409 refund_in_progress) without holding a database connection across the Stripe call. The claim
/// is a deadline, not a flag: an instance that dies while holding it blocks refunds of that invoice
/// only until the deadline passes. The last recorded refund's time and amount let a refund sent
/// without an Idempotency-Key that repeats it moments later (a double submit) be told apart.
/// </summary>
[Migration(202611261000, "Add invoices.refund_claimed_until and last_refund_at/_cents: one Stripe refund in flight per invoice")]
public sealed class M202611261000_AddInvoiceRefundClaim : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE marketplace.invoices
            ADD COLUMN refund_claimed_until timestamptz,
            ADD COLUMN last_refund_at timestamptz,
            ADD COLUMN last_refund_cents bigint;
        COMMENT ON COLUMN marketplace.invoices.refund_claimed_until IS 'Set while a Stripe refund of this invoice is in flight (until it is recorded); a claim past this time was abandoned and can be taken over.';
        COMMENT ON COLUMN marketplace.invoices.last_refund_at IS 'When the last refund through the API was recorded (with last_refund_cents): the same refund again without an Idempotency-Key shortly after is taken for a double submit.';
        """);

    public override void Down() => Execute.Sql("ALTER TABLE marketplace.invoices DROP COLUMN refund_claimed_until, DROP COLUMN last_refund_at, DROP COLUMN last_refund_cents;");
}

using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// A refund through Stripe is claimed on its invoice before Stripe is called and released when it
/// is recorded, so two refunds of one invoice can never be in flight at once (the second answers
/// 409 refund_in_progress) without holding a database connection across the Stripe call. The claim
/// is a deadline, not a flag: an instance that dies while holding it blocks refunds of that invoice
/// only until the deadline passes.
/// </summary>
[Migration(202611261000, "Add invoices.refund_claimed_until: one Stripe refund in flight per invoice")]
public sealed class M202611261000_AddInvoiceRefundClaim : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE marketplace.invoices ADD COLUMN refund_claimed_until timestamptz;
        COMMENT ON COLUMN marketplace.invoices.refund_claimed_until IS 'Set while a Stripe refund of this invoice is in flight (until it is recorded); a claim past this time was abandoned and can be taken over.';
        """);

    public override void Down() => Execute.Sql("ALTER TABLE marketplace.invoices DROP COLUMN refund_claimed_until;");
}

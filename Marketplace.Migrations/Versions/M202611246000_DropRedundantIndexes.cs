using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// The seed (a Prisma schema) declares several columns both <c>@unique</c> and <c>@@index</c>;
/// followed literally that is two identical btree indexes per column. The unique index answers
/// every lookup the plain one would, so the plain ones only cost a second index insert on every
/// write: invoices, transactions and providers are written on every payment and refund.
/// </summary>
[Migration(202611246000, "Drop the plain indexes that duplicate a unique index on the same column")]
public sealed class M202611246000_DropRedundantIndexes : Migration
{
    public override void Up() => Execute.Sql("""
        DROP INDEX marketplace.ix_users_email;
        DROP INDEX marketplace.ix_users_stripe_customer_id;
        DROP INDEX marketplace.ix_providers_user_id;
        DROP INDEX marketplace.ix_providers_stripe_connect_account_id;
        DROP INDEX marketplace.ix_service_listings_slug;
        DROP INDEX marketplace.ix_transactions_invoice_id;
        DROP INDEX marketplace.ix_invoices_transaction_id;
        DROP INDEX marketplace.ix_invoices_stripe_invoice_id;
        DROP INDEX marketplace.ix_invoices_stripe_payment_intent_id;
        """);

    public override void Down() => Execute.Sql("""
        CREATE INDEX ix_users_email ON marketplace.users (email);
        CREATE INDEX ix_users_stripe_customer_id ON marketplace.users (stripe_customer_id);
        CREATE INDEX ix_providers_user_id ON marketplace.providers (user_id);
        CREATE INDEX ix_providers_stripe_connect_account_id ON marketplace.providers (stripe_connect_account_id);
        CREATE INDEX ix_service_listings_slug ON marketplace.service_listings (slug);
        CREATE INDEX ix_transactions_invoice_id ON marketplace.transactions (invoice_id);
        CREATE INDEX ix_invoices_transaction_id ON marketplace.invoices (transaction_id);
        CREATE INDEX ix_invoices_stripe_invoice_id ON marketplace.invoices (stripe_invoice_id);
        CREATE INDEX ix_invoices_stripe_payment_intent_id ON marketplace.invoices (stripe_payment_intent_id);
        """);
}

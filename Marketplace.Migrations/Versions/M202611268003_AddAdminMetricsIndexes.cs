using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>The admins' metrics: each figure reads one range of one index (paid, refunded, registered, created).</summary>
[Migration(202611268003, "Indexes for the admins' metrics: transactions by paid_at and refunded_at, users and providers by created_at")]
public sealed class M202611268003_AddAdminMetricsIndexes : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE INDEX ix_transactions_paid_at ON marketplace.transactions (paid_at) WHERE paid_at IS NOT NULL;
        CREATE INDEX ix_transactions_refunded_at ON marketplace.transactions (refunded_at) WHERE refunded_at IS NOT NULL;
        CREATE INDEX ix_users_created_at ON marketplace.users (created_at);
        CREATE INDEX ix_providers_created_at ON marketplace.providers (created_at);
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX marketplace.ix_providers_created_at;
        DROP INDEX marketplace.ix_users_created_at;
        DROP INDEX marketplace.ix_transactions_refunded_at;
        DROP INDEX marketplace.ix_transactions_paid_at;
        """);
}

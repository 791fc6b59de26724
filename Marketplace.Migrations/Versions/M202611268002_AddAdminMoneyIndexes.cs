using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>The admins' transaction list without a party filter: every booking newest first, or of one status.</summary>
[Migration(202611268002, "Transactions: indexes for the admins' list (all, or by status, newest first)")]
public sealed class M202611268002_AddAdminMoneyIndexes : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE INDEX ix_transactions_created_at_id ON marketplace.transactions (created_at DESC, id DESC);
        CREATE INDEX ix_transactions_status_created_at_id ON marketplace.transactions (status, created_at DESC, id DESC);
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX marketplace.ix_transactions_status_created_at_id;
        DROP INDEX marketplace.ix_transactions_created_at_id;
        """);
}

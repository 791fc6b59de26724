using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// Login lock-out: consecutive failed password checks are counted on the account; the fifth locks
/// it until <c>locked_until</c> (issue 3: 5 failures, 15 minutes). A successful login clears both.
/// </summary>
[Migration(202611242000, "Add login lock-out columns to users")]
public sealed class M202611242000_AddLoginLockout : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE marketplace.users
            ADD COLUMN failed_login_count integer NOT NULL DEFAULT 0,
            ADD COLUMN locked_until timestamptz NULL,
            ADD CONSTRAINT ck_users_failed_login_count CHECK (failed_login_count >= 0);
        COMMENT ON COLUMN marketplace.users.failed_login_count IS 'Consecutive failed password checks since the last success or lock-out.';
        COMMENT ON COLUMN marketplace.users.locked_until IS 'Logins are refused (429 account_locked) until this time.';
        """);

    public override void Down() => Execute.Sql("""
        ALTER TABLE marketplace.users
            DROP CONSTRAINT ck_users_failed_login_count,
            DROP COLUMN locked_until,
            DROP COLUMN failed_login_count;
        """);
}

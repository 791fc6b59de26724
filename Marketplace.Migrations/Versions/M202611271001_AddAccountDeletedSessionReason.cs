using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611271001, "Sessions revoked because their user deleted the account")]
public sealed class M202611271001_AddAccountDeletedSessionReason : Migration
{
    public override void Up() => Execute.Sql(@"
ALTER TABLE marketplace.user_sessions DROP CONSTRAINT ck_user_sessions_revoked_reason;
ALTER TABLE marketplace.user_sessions ADD CONSTRAINT ck_user_sessions_revoked_reason CHECK (revoked_reason IS NULL OR revoked_reason IN
    ('logout', 'password_reset', 'password_changed', 'refresh_token_reuse', 'account_suspended', 'account_deleted'));
");

    // the older reasons cannot say it: such sessions read as signed out
    public override void Down() => Execute.Sql(@"
UPDATE marketplace.user_sessions SET revoked_reason = 'logout' WHERE revoked_reason = 'account_deleted';
ALTER TABLE marketplace.user_sessions DROP CONSTRAINT ck_user_sessions_revoked_reason;
ALTER TABLE marketplace.user_sessions ADD CONSTRAINT ck_user_sessions_revoked_reason CHECK (revoked_reason IS NULL OR revoked_reason IN
    ('logout', 'password_reset', 'password_changed', 'refresh_token_reuse', 'account_suspended'));
");
}

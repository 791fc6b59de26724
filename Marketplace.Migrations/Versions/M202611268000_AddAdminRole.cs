using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// The operators' role (DESIGN round 2: admins are users with a stored flag granted from the CLI),
/// and the audit log's indexes for the admins' audit browser (newest first, by entity or by actor).
/// </summary>
[Migration(202611268000, "Users: the admin flag; audit log indexes for the admins' audit browser")]
public sealed class M202611268000_AddAdminRole : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE marketplace.users ADD COLUMN is_admin boolean NOT NULL DEFAULT false;

        COMMENT ON COLUMN marketplace.users.is_admin IS 'Operator of the platform: may call /admin routes. Granted and revoked only from the operators'' CLI (admin grant|revoke).';

        -- 'admin list' and the admins' own checks: a handful of rows
        CREATE INDEX ix_users_admins ON marketplace.users (id) WHERE is_admin;

        -- the audit browser: newest first overall, per entity, per actor (keyset on created_at, id)
        CREATE INDEX ix_audit_log_created_at_id ON marketplace.audit_log (created_at DESC, id DESC);
        CREATE INDEX ix_audit_log_entity_created_at_id ON marketplace.audit_log (entity_type, entity_id, created_at DESC, id DESC);
        CREATE INDEX ix_audit_log_actor_created_at_id ON marketplace.audit_log (actor_user_id, created_at DESC, id DESC) WHERE actor_user_id IS NOT NULL;
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX marketplace.ix_audit_log_actor_created_at_id;
        DROP INDEX marketplace.ix_audit_log_entity_created_at_id;
        DROP INDEX marketplace.ix_audit_log_created_at_id;
        DROP INDEX marketplace.ix_users_admins;
        ALTER TABLE marketplace.users DROP COLUMN is_admin;
        """);
}

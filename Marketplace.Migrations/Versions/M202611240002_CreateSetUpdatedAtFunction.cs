using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611240002, "Create the set_updated_at trigger function")]
public sealed class M202611240002_CreateSetUpdatedAtFunction : Migration
{
    // One function shared by the BEFORE UPDATE trigger of every table that has updated_at, so the
    // column is right whichever code (or operator) writes the row.
    public override void Up() => Execute.Sql(@"
CREATE FUNCTION marketplace.set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION marketplace.set_updated_at() IS 'BEFORE UPDATE trigger: keeps updated_at current.';
");

    public override void Down() => Execute.Sql("DROP FUNCTION marketplace.set_updated_at();");
}

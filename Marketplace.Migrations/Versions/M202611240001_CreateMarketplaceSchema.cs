using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611240001, "Create the marketplace schema")]
public sealed class M202611240001_CreateMarketplaceSchema : Migration
{
    public override void Up() => Execute.Sql("CREATE SCHEMA IF NOT EXISTS marketplace;");

    public override void Down() => Execute.Sql("DROP SCHEMA IF EXISTS marketplace CASCADE;");
}

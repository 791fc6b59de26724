using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611270001, "Cancellation policies: the provider's default, a listing's override, and the policy a cancellation applied")]
public sealed class M202611270001_AddCancellationPolicies : Migration
{
    public override void Up() => Execute.Sql(@"
ALTER TABLE marketplace.providers
    ADD COLUMN cancellation_policy varchar(20) NOT NULL DEFAULT 'flexible',
    ADD CONSTRAINT ck_providers_cancellation_policy CHECK (cancellation_policy IN ('flexible', 'moderate', 'strict'));
ALTER TABLE marketplace.service_listings
    ADD COLUMN cancellation_policy varchar(20),
    ADD CONSTRAINT ck_service_listings_cancellation_policy CHECK (cancellation_policy IN ('flexible', 'moderate', 'strict'));
ALTER TABLE marketplace.transactions
    ADD COLUMN cancellation_policy varchar(20),
    ADD CONSTRAINT ck_transactions_cancellation_policy CHECK (cancellation_policy IN ('flexible', 'moderate', 'strict', 'full'));
COMMENT ON COLUMN marketplace.service_listings.cancellation_policy IS 'Overrides the provider''s cancellation policy; null: the provider''s applies.';
COMMENT ON COLUMN marketplace.transactions.cancellation_policy IS 'The policy a cancellation applied (full: a provider''s cancellation or a booking without a start time).';
");

    public override void Down() => Execute.Sql(@"
ALTER TABLE marketplace.transactions DROP COLUMN cancellation_policy;
ALTER TABLE marketplace.service_listings DROP COLUMN cancellation_policy;
ALTER TABLE marketplace.providers DROP COLUMN cancellation_policy;
");
}

using FluentMigrator;

namespace Marketplace.Migrations.Versions;

[Migration(202611269002, "Create the payouts Stripe made to providers' connected accounts")]
public sealed class M202611269002_CreatePayouts : Migration
{
    public override void Up() => Execute.Sql(@"
CREATE TABLE marketplace.payouts (
    id                  bigint GENERATED ALWAYS AS IDENTITY,
    provider_id         integer NOT NULL,
    stripe_payout_id    varchar(255) NOT NULL,
    stripe_account_id   varchar(255) NOT NULL,
    amount_cents        bigint NOT NULL,
    currency            varchar(3) NOT NULL,
    status              varchar(20) NOT NULL,
    arrival_date        timestamptz,
    failure_code        varchar(100),
    failure_message     varchar(500),
    stripe_created_at   timestamptz NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CONSTRAINT pk_payouts PRIMARY KEY (id),
    CONSTRAINT ux_payouts_stripe_payout_id UNIQUE (stripe_payout_id),
    CONSTRAINT ck_payouts_status CHECK (status IN ('pending', 'in_transit', 'paid', 'failed', 'canceled')),
    CONSTRAINT ck_payouts_amount CHECK (amount_cents >= 0)
);
COMMENT ON TABLE marketplace.payouts IS 'Payouts Stripe made from a provider''s connected account to its bank (payout.created/paid/failed events): the money that actually left, beside the ledger figure providers.lifetime_payout_cents.';
CREATE INDEX ix_payouts_provider_id ON marketplace.payouts (provider_id, stripe_created_at DESC, id DESC);
");

    public override void Down() => Execute.Sql("DROP TABLE marketplace.payouts;");
}

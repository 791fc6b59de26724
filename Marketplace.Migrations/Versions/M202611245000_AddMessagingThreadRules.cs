using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// Messaging rules the database enforces itself: one open thread per (client, provider, topic), a
/// thread is about a listing or a transaction (not both), the per-side time of the last e-mail
/// notification (the 15-minute throttle), and the index behind the per-user flood limit.
/// </summary>
[Migration(202611245000, "Messaging: one open thread per topic, notification times, flood-limit index")]
public sealed class M202611245000_AddMessagingThreadRules : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE marketplace.message_threads
            ADD COLUMN client_notified_at   timestamptz NULL,
            ADD COLUMN provider_notified_at timestamptz NULL,
            ADD CONSTRAINT ck_message_threads_one_topic CHECK (listing_id IS NULL OR transaction_id IS NULL);

        COMMENT ON COLUMN marketplace.message_threads.client_notified_at IS 'When the client was last e-mailed about new messages in this thread (at most one mail per 15 minutes while messages are unread).';
        COMMENT ON COLUMN marketplace.message_threads.provider_notified_at IS 'When the provider was last e-mailed about new messages in this thread (at most one mail per 15 minutes while messages are unread).';

        -- "asking again returns the existing thread": one OPEN thread per client, provider and topic,
        -- where the topic is a listing, a transaction or nothing. NULLs never collide in a unique
        -- index, so the topic columns are folded with COALESCE (ids start at 1, 0 means "none").
        -- Listings and transactions are never physically deleted, so their SET NULL never folds
        -- two topics into one.
        CREATE UNIQUE INDEX ux_message_threads_open_topic ON marketplace.message_threads
            (client_id, provider_id, COALESCE(listing_id, 0), COALESCE(transaction_id, 0))
            WHERE status = 'open';

        -- the flood limit counts a sender's messages of the last minute
        CREATE INDEX ix_messages_sender_id_created_at ON marketplace.messages (sender_id, created_at DESC);
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX marketplace.ix_messages_sender_id_created_at;
        DROP INDEX marketplace.ux_message_threads_open_topic;
        ALTER TABLE marketplace.message_threads
            DROP CONSTRAINT ck_message_threads_one_topic,
            DROP COLUMN provider_notified_at,
            DROP COLUMN client_notified_at;
        """);
}

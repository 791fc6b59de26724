using System.Text.Json;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth.Export;

internal static class Data
{
    /// <summary>
    /// Every row we hold about the user, as stored (snake_case columns), in one statement so the document is one snapshot.
    /// Secrets never leave: password and token hashes, verification and reset tokens, API key hashes, the calendar feed
    /// token hash, operators' internal invoice notes; refresh tokens are not exported at all (only their sessions).
    /// </summary>
    public static async Task<JsonElement> LoadAsync(Db db, int userId, CancellationToken ct) =>
        (await Pg.QueryAsync(db, """
            WITH me AS (SELECT id FROM marketplace.users WHERE id = $1),
                 prov AS (SELECT p.id FROM marketplace.providers p WHERE p.user_id = $1)
            SELECT jsonb_build_object(
              'profile', (SELECT to_jsonb(u) - 'password_hash' - 'email_verify_token' - 'email_verify_expires' - 'password_reset_token'
                                 - 'password_reset_expires' - 'failed_login_count' - 'locked_until'
                            FROM marketplace.users u WHERE u.id = $1),
              'provider', (SELECT to_jsonb(p) - 'calendar_token_hash' FROM marketplace.providers p WHERE p.user_id = $1),
              'listings', coalesce((SELECT jsonb_agg(to_jsonb(l) ORDER BY l.id) FROM marketplace.service_listings l WHERE l.provider_id IN (SELECT id FROM prov)), '[]'),
              'bookingsAsClient', coalesce((SELECT jsonb_agg(to_jsonb(t) ORDER BY t.id) FROM marketplace.transactions t WHERE t.client_id = $1), '[]'),
              'bookingsAsProvider', coalesce((SELECT jsonb_agg(to_jsonb(t) ORDER BY t.id) FROM marketplace.transactions t WHERE t.provider_id IN (SELECT id FROM prov)), '[]'),
              'invoices', coalesce((SELECT jsonb_agg(to_jsonb(i) - 'internal_notes' - 'refund_claimed_until' ORDER BY i.id) FROM marketplace.invoices i
                                     WHERE i.client_id = $1 OR i.provider_id IN (SELECT id FROM prov)), '[]'),
              'messageThreads', coalesce((SELECT jsonb_agg(to_jsonb(th) ORDER BY th.id) FROM marketplace.message_threads th
                                           WHERE th.client_id = $1 OR th.provider_id IN (SELECT id FROM prov)), '[]'),
              'messages', coalesce((SELECT jsonb_agg(to_jsonb(m) ORDER BY m.id) FROM marketplace.messages m JOIN marketplace.message_threads th ON th.id = m.thread_id
                                     WHERE th.client_id = $1 OR th.provider_id IN (SELECT id FROM prov)), '[]'),
              'reviewsWritten', coalesce((SELECT jsonb_agg(to_jsonb(r) ORDER BY r.id) FROM marketplace.reviews r WHERE r.client_id = $1), '[]'),
              'reviewsReceived', coalesce((SELECT jsonb_agg(to_jsonb(r) ORDER BY r.id) FROM marketplace.reviews r WHERE r.provider_id IN (SELECT id FROM prov)), '[]'),
              'savedListings', coalesce((SELECT jsonb_agg(to_jsonb(s) ORDER BY s.id) FROM marketplace.saved_listings s WHERE s.user_id = $1), '[]'),
              'sessions', coalesce((SELECT jsonb_agg(to_jsonb(s) ORDER BY s.created_at) FROM marketplace.user_sessions s WHERE s.user_id = $1), '[]'),
              'apiKeys', coalesce((SELECT jsonb_agg(to_jsonb(k) - 'key_hash' ORDER BY k.id) FROM marketplace.api_keys k WHERE k.user_id = $1), '[]'))::text
            """, r => JsonDocument.Parse(r.GetString(0)).RootElement.Clone(), ct, Pg.P(userId))).Single();
}

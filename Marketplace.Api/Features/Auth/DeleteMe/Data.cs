using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth.DeleteMe;

internal static class Data
{
    /// <summary>Bookings not finished yet: their money or service is still owed to someone.</summary>
    public const string OpenStatuses = "('requested', 'pending', 'invoiced', 'paid', 'in_progress')";

    /// <summary>Locks the user first (lock order user -> provider), then their provider; returns the provider's id if any.</summary>
    public static async Task<int?> LockAsync(Db db, int userId, CancellationToken ct)
    {
        await Pg.ExecuteAsync(db, "SELECT 1 FROM marketplace.users WHERE id = $1 FOR NO KEY UPDATE", ct, Pg.P(userId));
        return (await Pg.QueryAsync(db, "SELECT id FROM marketplace.providers WHERE user_id = $1 AND deleted_at IS NULL FOR NO KEY UPDATE",
            r => r.GetInt32(0), ct, Pg.P(userId))).Cast<int?>().FirstOrDefault();
    }

    public static async Task<bool> HasOpenBookingsAsync(Db db, int userId, int? providerId, CancellationToken ct) =>
        (await Pg.QueryAsync(db, $"""
            SELECT EXISTS (SELECT 1 FROM marketplace.transactions
                            WHERE (client_id = $1 OR provider_id = $2) AND status IN {OpenStatuses})
            """, r => r.GetBoolean(0), ct, Pg.P(userId), Pg.P(providerId))).Single();

    /// <summary>
    /// Leaves public reads: the listings are soft-deleted (the counters count listings not deleted, so they become 0) and the
    /// provider is marked deleted. Bookings, invoices and reviews stay, pointing at the anonymised rows.
    /// </summary>
    public static async Task HideProviderAsync(Db db, int providerId, DateTime now, CancellationToken ct)
    {
        await Pg.ExecuteAsync(db, """
            UPDATE marketplace.service_listings SET deleted_at = $2, status = 'archived', updated_at = $2
             WHERE provider_id = $1 AND deleted_at IS NULL
            """, ct, Pg.P(providerId), Pg.P(now));
        await Pg.ExecuteAsync(db, """
            UPDATE marketplace.providers
               SET status = 'deleted', deleted_at = $2, updated_at = $2, total_listings = 0, active_listings = 0,
                   public_email = NULL, public_phone = NULL, calendar_token_hash = NULL
             WHERE id = $1
            """, ct, Pg.P(providerId), Pg.P(now));
    }

    /// <summary>The e-mail becomes a unique address that cannot be delivered (RFC 2606 .invalid), freeing the real one.</summary>
    public static string PlaceholderEmail(int userId) => $"deleted-{userId}@deleted.invalid";

    public static Task<int> AnonymiseAsync(Db db, int userId, DateTime now, CancellationToken ct) =>
        Pg.ExecuteAsync(db, """
            UPDATE marketplace.users
               SET email = $2, email_verified = false, first_name = NULL, last_name = NULL, phone = NULL, address_line1 = NULL,
                   address_line2 = NULL, city = NULL, state = NULL, zip = NULL, country = NULL, email_verify_token = NULL,
                   email_verify_expires = NULL, password_reset_token = NULL, password_reset_expires = NULL,
                   status = 'deleted', deleted_at = $3, updated_at = $3
             WHERE id = $1 AND deleted_at IS NULL
            """, ct, Pg.P(userId), Pg.P(PlaceholderEmail(userId)), Pg.P(now));

    public static async Task RevokeAccessAsync(Db db, int userId, DateTime now, CancellationToken ct)
    {
        await Pg.ExecuteAsync(db, "UPDATE marketplace.user_sessions SET revoked_at = $2, revoked_reason = 'account_deleted' WHERE user_id = $1 AND revoked_at IS NULL",
            ct, Pg.P(userId), Pg.P(now));
        await Pg.ExecuteAsync(db, "UPDATE marketplace.api_keys SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL", ct, Pg.P(userId), Pg.P(now));
    }
}

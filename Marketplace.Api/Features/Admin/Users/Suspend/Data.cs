using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Users.Suspend;

internal static class Data
{
    /// <summary>Locks the user (first in the lock order); null when there is no such user.</summary>
    public static async Task<(string Status, bool Deleted)?> LockUserAsync(Db db, int userId, CancellationToken ct) =>
        (await Pg.QueryAsync(db, "SELECT status, deleted_at IS NOT NULL FROM marketplace.users WHERE id = $1 FOR NO KEY UPDATE",
            r => (r.GetString(0), r.GetBoolean(1)), ct, Pg.P(userId))).Cast<(string, bool)?>().FirstOrDefault();

    public static Task<int> SuspendUserAsync(Db db, int userId, string reason, DateTime now, CancellationToken ct) =>
        db.Users.Where(u => u.Id == userId && u.Status == "active" && u.DeletedAt == null)
            .Set(u => u.Status, "suspended")
            .Set(u => u.SuspendedAt, now)
            .Set(u => u.SuspendedReason, reason)
            .UpdateAsync(ct);

    /// <summary>Every live session ends now: the next request with any of its tokens is a 401.</summary>
    public static Task<int> RevokeSessionsAsync(Db db, int userId, DateTime now, CancellationToken ct) =>
        db.Sessions.Where(s => s.UserId == userId && s.RevokedAt == null)
            .Set(s => s.RevokedAt, now)
            .Set(s => s.RevokedReason, "account_suspended")
            .UpdateAsync(ct);

    /// <summary>The user's live provider, locked (after the user, LockOrder); null when there is none.</summary>
    public static async Task<(int Id, string Status)?> LockProviderAsync(Db db, int userId, CancellationToken ct) =>
        (await Pg.QueryAsync(db, "SELECT id, status FROM marketplace.providers WHERE user_id = $1 AND deleted_at IS NULL ORDER BY id LIMIT 1 FOR NO KEY UPDATE",
            r => (r.GetInt32(0), r.GetString(1)), ct, Pg.P(userId))).Cast<(int, string)?>().FirstOrDefault();

    /// <summary>
    /// The provider leaves every public read at once: they all require providers.status = 'active'
    /// (browse, listing by slug, provider page, saved listings, starting a thread).
    /// </summary>
    public static Task<int> SuspendProviderAsync(Db db, int providerId, string reason, DateTime now, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId && (p.Status == "active" || p.Status == "pending"))
            .Set(p => p.Status, "suspended")
            .Set(p => p.SuspendedAt, now)
            .Set(p => p.SuspendedReason, reason)
            .Set(p => p.UpdatedAt, now)
            .UpdateAsync(ct);

    public static Task<List<OpenBooking>> OpenBookingsAsync(Db db, int userId, int? providerId, CancellationToken ct)
    {
        var pid = providerId ?? 0;
        return db.Transactions
            .Where(t => (t.ClientId == userId || t.ProviderId == pid) && AdminUserDetail.OpenBookingStatuses.Contains(t.Status))
            .OrderBy(t => t.CreatedAt).ThenBy(t => t.Id)
            .Select(t => new OpenBooking(t.Id, t.ClientId == userId ? "client" : "provider", t.Status, t.ClientId, t.ProviderId, t.TotalCents, t.CreatedAt))
            .ToListAsync(ct);
    }
}

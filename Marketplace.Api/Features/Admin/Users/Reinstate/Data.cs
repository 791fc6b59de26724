using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Admin.Users.Reinstate;

internal static class Data
{
    public static Task<int> ReinstateUserAsync(Db db, int userId, CancellationToken ct) =>
        db.Users.Where(u => u.Id == userId && u.Status == "suspended" && u.DeletedAt == null)
            .Set(u => u.Status, "active")
            .Set(u => u.SuspendedAt, (DateTime?)null)
            .Set(u => u.SuspendedReason, (string?)null)
            .UpdateAsync(ct);

    /// <summary>
    /// The provider goes back to where it would be without the suspension: active once Stripe had
    /// activated it (activated_at), else pending.
    /// </summary>
    public static Task<int> ReinstateProviderAsync(Db db, int providerId, DateTime now, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId && p.Status == "suspended")
            .Set(p => p.Status, p => p.ActivatedAt != null ? "active" : "pending")
            .Set(p => p.SuspendedAt, (DateTime?)null)
            .Set(p => p.SuspendedReason, (string?)null)
            .Set(p => p.UpdatedAt, now)
            .UpdateAsync(ct);
}

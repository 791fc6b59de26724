using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Riok.Mapperly.Abstractions;

namespace Marketplace.Api.Features.Admin.Users;

/// <summary>A user's account as operators see it: everything but secrets (hashes, tokens).</summary>
/// <param name="Id">The user's id.</param>
/// <param name="Email">The e-mail address (anonymised once the account is deleted).</param>
/// <param name="EmailVerified">Whether the address was verified.</param>
/// <param name="FirstName">First name.</param>
/// <param name="LastName">Last name.</param>
/// <param name="Phone">Phone number.</param>
/// <param name="AddressLine1">Address, first line.</param>
/// <param name="AddressLine2">Address, second line.</param>
/// <param name="City">City.</param>
/// <param name="State">State or region.</param>
/// <param name="Zip">Postal code.</param>
/// <param name="Country">ISO country code.</param>
/// <param name="UserType">buyer | breeder | provider | admin (as registered).</param>
/// <param name="IsAdmin">An operator of the platform (granted from the CLI).</param>
/// <param name="TenantId">The breeder system's tenant (external reference).</param>
/// <param name="TenantVerified">Whether an operator verified the link to that tenant.</param>
/// <param name="Status">active | suspended | deleted</param>
/// <param name="SuspendedAt">When the account was suspended.</param>
/// <param name="SuspendedReason">Why (the admin's reason).</param>
/// <param name="CreatedAt">Registration time.</param>
/// <param name="UpdatedAt">Last change.</param>
/// <param name="LastLoginAt">Last login.</param>
/// <param name="DeletedAt">When the account was deleted (soft delete).</param>
public sealed record AdminUser(
    int Id, string Email, bool EmailVerified, string? FirstName, string? LastName, string? Phone,
    string? AddressLine1, string? AddressLine2, string? City, string? State, string? Zip, string? Country,
    string UserType, bool IsAdmin, int? TenantId, bool TenantVerified, string Status,
    DateTime? SuspendedAt, string? SuspendedReason, DateTime CreatedAt, DateTime UpdatedAt, DateTime? LastLoginAt, DateTime? DeletedAt);

/// <summary>The user's provider, as operators see it.</summary>
/// <param name="Id">The provider's id.</param>
/// <param name="BusinessName">Public business name.</param>
/// <param name="ProviderType">business | breeder | ...</param>
/// <param name="TenantId">The breeder system's tenant (external reference).</param>
/// <param name="Status">pending | active | suspended | deleted</param>
/// <param name="VerifiedProvider">Badge set by operators.</param>
/// <param name="PremiumProvider">Badge set by operators.</param>
/// <param name="QuickResponder">Badge computed daily from messaging.</param>
/// <param name="TotalListings">Listings not deleted.</param>
/// <param name="ActiveListings">Listings live in public reads.</param>
/// <param name="TotalTransactions">Bookings ever made.</param>
/// <param name="CompletedTransactions">Bookings completed.</param>
/// <param name="AverageRating">Average of published reviews.</param>
/// <param name="TotalReviews">Published reviews.</param>
/// <param name="SuspendedAt">When it was suspended.</param>
/// <param name="SuspendedReason">Why.</param>
/// <param name="DeletedAt">When it was deleted.</param>
public sealed record AdminProvider(
    int Id, string BusinessName, string ProviderType, int? TenantId, string Status,
    bool VerifiedProvider, bool PremiumProvider, bool QuickResponder,
    int TotalListings, int ActiveListings, int TotalTransactions, int CompletedTransactions, decimal AverageRating, int TotalReviews,
    DateTime? SuspendedAt, string? SuspendedReason, DateTime? DeletedAt);

/// <summary>How much the user has done on the platform.</summary>
/// <param name="BookingsAsClient">Transactions the user booked.</param>
/// <param name="BookingsAsProvider">Transactions booked with the user's provider.</param>
/// <param name="OpenBookings">Of those, not yet completed, cancelled or refunded.</param>
/// <param name="ReviewsWritten">Reviews the user wrote.</param>
/// <param name="LiveSessions">Sessions not revoked nor expired.</param>
public sealed record AdminUserCounts(int BookingsAsClient, int BookingsAsProvider, int OpenBookings, int ReviewsWritten, int LiveSessions);

/// <summary>GET /admin/users/{id}: the account, its provider, counts and the newest audit rows about or by the user.</summary>
/// <param name="User">The account.</param>
/// <param name="Provider">The user's provider, if any (also a deleted one).</param>
/// <param name="Counts">Activity counts.</param>
/// <param name="RecentAudit">The 20 newest audit rows about the user or done by them.</param>
public sealed record AdminUserDetail(AdminUser User, AdminProvider? Provider, AdminUserCounts Counts, IReadOnlyList<AdminAuditItem> RecentAudit)
{
    /// <summary>Bookings still under way: a suspension or deletion leaves them to follow up.</summary>
    public static readonly string[] OpenBookingStatuses = ["pending", "invoiced", "paid", "in_progress"];

    public static async Task<AdminUserDetail?> LoadAsync(Db db, TimeProvider clock, int userId, CancellationToken ct)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
        {
            return null;
        }
        var provider = await db.Providers.Where(p => p.UserId == userId).OrderBy(p => p.DeletedAt != null).ThenByDescending(p => p.Id).FirstOrDefaultAsync(ct);
        var providerId = provider?.Id ?? 0;
        var now = clock.GetUtcNow().UtcDateTime;
        var counts = new AdminUserCounts(
            await db.Transactions.CountAsync(t => t.ClientId == userId, ct),
            await db.Transactions.CountAsync(t => t.ProviderId == providerId, ct),
            await db.Transactions.CountAsync(t => (t.ClientId == userId || t.ProviderId == providerId) && OpenBookingStatuses.Contains(t.Status), ct),
            await db.Reviews.CountAsync(r => r.ClientId == userId, ct),
            await db.Sessions.CountAsync(s => s.UserId == userId && s.RevokedAt == null && s.ExpiresAt > now, ct));
        return new AdminUserDetail(AdminMapper.ToAdminUser(user), provider is null ? null : AdminMapper.ToAdminProvider(provider), counts,
            await AdminAuditItem.RecentForUserAsync(db, userId, 20, ct));
    }
}

/// <summary>Rows to the operators' wide views: every field of the same name, secrets never (they have no target).</summary>
[Mapper(RequiredMappingStrategy = RequiredMappingStrategy.Target)]
internal static partial class AdminMapper
{
    public static partial AdminUser ToAdminUser(UserRow row);

    public static partial AdminProvider ToAdminProvider(ProviderRow row);
}

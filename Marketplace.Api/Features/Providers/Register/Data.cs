using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Providers.Register;

internal static class Data
{
    public static Task<UserRow?> GetUserAsync(Db db, int userId, CancellationToken ct) =>
        db.Users.Where(u => u.Id == userId && u.DeletedAt == null).FirstOrDefaultAsync(ct);

    /// <summary>Whether the user has acted as a buyer (saved or booked something): they then become "both".</summary>
    public static async Task<bool> HasBuyerActivityAsync(Db db, int userId, CancellationToken ct) =>
        await db.SavedListings.AnyAsync(s => s.UserId == userId, ct)
        || await db.Transactions.AnyAsync(t => t.ClientId == userId, ct);

    public static Task<int> InsertAsync(Db db, ProviderRow row, CancellationToken ct) =>
        db.InsertWithInt32IdentityAsync(row, token: ct);

    /// <summary>Sets the user type, and the tenant when the user has none yet (unverified: the breeder system verifies it).</summary>
    public static Task<int> UpdateUserAsync(Db db, int userId, string userType, int? tenantId, CancellationToken ct) =>
        db.Users.Where(u => u.Id == userId)
            .Set(u => u.UserType, userType)
            .Set(u => u.TenantId, u => u.TenantId ?? tenantId)
            .UpdateAsync(ct);
}

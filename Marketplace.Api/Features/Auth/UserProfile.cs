using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth;

/// <summary>
/// The caller's own account: profile, shipping address and flags; never hashes or tokens.
/// Answered by GET and PATCH /auth/me and inside every auth response (register, login, refresh).
/// </summary>
public sealed record UserProfile(
    int Id,
    string Email,
    bool EmailVerified,
    string? FirstName,
    string? LastName,
    string? Phone,
    Address Address,
    [OneOf("buyer", "provider", "both")] string UserType,
    bool IsProvider,
    int? ProviderId,
    int? TenantId,
    bool TenantVerified,
    [OneOf("active", "suspended", "deleted")] string Status,
    DateTime CreatedAt,
    DateTime? LastLoginAt);

public sealed record Address(
    string? AddressLine1,
    string? AddressLine2,
    string? City,
    string? State,
    string? Zip,
    string? Country);

internal static class UserProfiles
{
    public static Task<UserProfile?> GetAsync(Db db, int userId, CancellationToken ct) =>
        (from u in db.Users
         from p in db.Providers.Where(p => p.UserId == u.Id && p.DeletedAt == null).DefaultIfEmpty()
         where u.Id == userId && u.DeletedAt == null
         select new UserProfile(
             u.Id, u.Email, u.EmailVerified, u.FirstName, u.LastName, u.Phone,
             new Address(u.AddressLine1, u.AddressLine2, u.City, u.State, u.Zip, u.Country),
             u.UserType, p != null, (int?)p.Id, u.TenantId, u.TenantVerified, u.Status, u.CreatedAt, u.LastLoginAt))
        .FirstOrDefaultAsync(ct);
}

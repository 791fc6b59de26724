using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Auth.ChangePassword;

internal sealed record Account(string Email, string? FirstName, string PasswordHash);

internal static class Data
{
    public static Task<Account?> GetAsync(Db db, int userId, CancellationToken ct) =>
        db.Users.Where(u => u.Id == userId && u.DeletedAt == null)
            .Select(u => new Account(u.Email, u.FirstName, u.PasswordHash))
            .FirstOrDefaultAsync(ct);

    /// <summary>Stores the new hash, if the old one is still in place (a concurrent change wins once). A pending reset link dies with it.</summary>
    public static Task<int> ChangeAsync(Db db, int userId, string oldHash, string newHash, CancellationToken ct) =>
        db.Users.Where(u => u.Id == userId && u.PasswordHash == oldHash)
            .Set(u => u.PasswordHash, newHash)
            .Set(u => u.PasswordResetToken, (string?)null)
            .Set(u => u.PasswordResetExpires, (DateTime?)null)
            .UpdateAsync(ct);

    /// <summary>Signs out every other session; the caller's own stays.</summary>
    public static Task<int> RevokeOtherSessionsAsync(Db db, int userId, Guid keep, DateTime now, CancellationToken ct) =>
        db.Sessions.Where(s => s.UserId == userId && s.Id != keep && s.RevokedAt == null)
            .Set(s => s.RevokedAt, now)
            .Set(s => s.RevokedReason, "password_changed")
            .UpdateAsync(ct);
}

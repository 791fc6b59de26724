using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Auth.ResetPassword;

internal sealed record Pending(int UserId, string Email, string? FirstName, DateTime? ExpiresAt);

internal static class Data
{
    public static Task<Pending?> FindAsync(Db db, string tokenHash, CancellationToken ct) =>
        db.Users.Where(u => u.PasswordResetToken == tokenHash && u.DeletedAt == null)
            .Select(u => new Pending(u.Id, u.Email, u.FirstName, u.PasswordResetExpires))
            .FirstOrDefaultAsync(ct);

    /// <summary>
    /// Sets the new password and spends the token, if it is still the user's live token (so two
    /// requests with one token cannot both succeed).
    /// </summary>
    public static Task<int> ResetAsync(Db db, int userId, string tokenHash, string passwordHash, DateTime now, CancellationToken ct) =>
        db.Users.Where(u => u.Id == userId && u.PasswordResetToken == tokenHash && u.PasswordResetExpires > now)
            .Set(u => u.PasswordHash, passwordHash)
            .Set(u => u.PasswordResetToken, (string?)null)
            .Set(u => u.PasswordResetExpires, (DateTime?)null)
            .UpdateAsync(ct);

    public static Task<int> RevokeAllSessionsAsync(Db db, int userId, DateTime now, CancellationToken ct) =>
        db.Sessions.Where(s => s.UserId == userId && s.RevokedAt == null)
            .Set(s => s.RevokedAt, now)
            .Set(s => s.RevokedReason, "password_reset")
            .UpdateAsync(ct);
}

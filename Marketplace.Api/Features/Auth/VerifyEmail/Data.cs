using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Auth.VerifyEmail;

internal sealed record Pending(int UserId, DateTime? ExpiresAt);

internal static class Data
{
    public static Task<Pending?> FindAsync(Db db, string tokenHash, CancellationToken ct) =>
        db.Users.Where(u => u.EmailVerifyToken == tokenHash && u.DeletedAt == null)
            .Select(u => new Pending(u.Id, u.EmailVerifyExpires))
            .FirstOrDefaultAsync(ct);

    /// <summary>Marks the address verified and spends the token, if it is still this user's live token (single use).</summary>
    public static Task<int> VerifyAsync(Db db, int userId, string tokenHash, DateTime now, CancellationToken ct) =>
        db.Users.Where(u => u.Id == userId && u.EmailVerifyToken == tokenHash && u.EmailVerifyExpires > now)
            .Set(u => u.EmailVerified, true)
            .Set(u => u.EmailVerifyToken, (string?)null)
            .Set(u => u.EmailVerifyExpires, (DateTime?)null)
            .UpdateAsync(ct);
}

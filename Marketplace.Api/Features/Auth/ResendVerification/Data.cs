using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Auth.ResendVerification;

internal sealed record Unverified(int Id, string Email, string? FirstName);

internal static class Data
{
    /// <summary>A live, active account of this address whose e-mail is not verified yet.</summary>
    public static Task<Unverified?> FindAsync(Db db, string normalizedEmail, CancellationToken ct) =>
        db.Users.Where(u => u.Email.ToLower() == normalizedEmail && !u.EmailVerified && u.Status == "active" && u.DeletedAt == null)
            .Select(u => new Unverified(u.Id, u.Email, u.FirstName))
            .FirstOrDefaultAsync(ct);

    /// <summary>
    /// Replaces the verification token (the previous link stops working), unless one was issued
    /// less than <paramref name="interval"/> ago; 0 then, and no mail goes out.
    /// </summary>
    public static Task<int> ReplaceTokenAsync(Db db, int userId, string tokenHash, DateTime now, TimeSpan lifetime, TimeSpan interval, CancellationToken ct)
    {
        var expires = now + lifetime;
        var issuedBefore = expires - interval;
        return db.Users.Where(u => u.Id == userId && !u.EmailVerified && (u.EmailVerifyExpires == null || u.EmailVerifyExpires <= issuedBefore))
            .Set(u => u.EmailVerifyToken, tokenHash)
            .Set(u => u.EmailVerifyExpires, expires)
            .UpdateAsync(ct);
    }
}

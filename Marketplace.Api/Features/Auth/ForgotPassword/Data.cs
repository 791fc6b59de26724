using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Auth.ForgotPassword;

internal sealed record Account(int Id, string Email, string? FirstName);

internal static class Data
{
    /// <summary>A live, active account of this address (suspended ones cannot log in, so get no link).</summary>
    public static Task<Account?> FindAsync(Db db, string normalizedEmail, CancellationToken ct) =>
        db.Users.Where(u => u.Email.ToLower() == normalizedEmail && u.Status == "active" && u.DeletedAt == null)
            .Select(u => new Account(u.Id, u.Email, u.FirstName))
            .FirstOrDefaultAsync(ct);

    /// <summary>
    /// Stores a new reset token (an earlier link stops working), unless one was issued less than
    /// <paramref name="interval"/> ago; 0 then, and no mail goes out.
    /// </summary>
    public static Task<int> ReplaceTokenAsync(Db db, int userId, string tokenHash, DateTime now, TimeSpan lifetime, TimeSpan interval, CancellationToken ct)
    {
        var expires = now + lifetime;
        var issuedBefore = expires - interval;
        return db.Users.Where(u => u.Id == userId && (u.PasswordResetExpires == null || u.PasswordResetExpires <= issuedBefore))
            .Set(u => u.PasswordResetToken, tokenHash)
            .Set(u => u.PasswordResetExpires, expires)
            .UpdateAsync(ct);
    }
}

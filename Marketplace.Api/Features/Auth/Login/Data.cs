using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Auth.Login;

internal sealed record Account(int Id, string PasswordHash, string Status, DateTime? DeletedAt);

internal static class Data
{
    /// <summary>The account of an e-mail address, deleted ones included (they answer 403, not 401).</summary>
    public static Task<Account?> FindAsync(Db db, string normalizedEmail, CancellationToken ct) =>
        db.Users.Where(u => u.Email.ToLower() == normalizedEmail)
            .Select(u => new Account(u.Id, u.PasswordHash, u.Status, u.DeletedAt))
            .FirstOrDefaultAsync(ct);

    /// <summary>Records the login and stores an upgraded hash when there is one.</summary>
    public static Task RecordSuccessAsync(Db db, int userId, DateTime now, string? rehashed, CancellationToken ct)
    {
        var update = db.Users.Where(u => u.Id == userId)
            .Set(u => u.LastLoginAt, now);
        if (rehashed is not null)
        {
            update = update.Set(u => u.PasswordHash, rehashed);
        }
        return update.UpdateAsync(ct);
    }
}

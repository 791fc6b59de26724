using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Auth.Register;

internal static class Data
{
    public static Task<bool> EmailTakenAsync(Db db, string normalizedEmail, CancellationToken ct) =>
        db.Users.AnyAsync(u => u.Email.ToLower() == normalizedEmail, ct);

    public static Task<int> InsertUserAsync(Db db, UserRow user, CancellationToken ct) =>
        db.InsertWithInt32IdentityAsync(user, token: ct);

    /// <summary>The unique index on lower(email) refused the row: a concurrent registration won the race.</summary>
    public static bool IsEmailTaken(Npgsql.PostgresException ex) =>
        ex.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation && ex.ConstraintName is "ux_users_email_lower" or "ux_users_email";
}

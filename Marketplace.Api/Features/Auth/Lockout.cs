using System.Globalization;
using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth;

/// <summary>
/// Issue 3: after 5 consecutive failed password checks an account is locked for 15 minutes
/// (429 account_locked with Retry-After). Login and change-password both count, so a stolen
/// access token cannot be used to guess the password either.
/// </summary>
internal static class Lockout
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(15);

    /// <summary>Throws 429 account_locked while the account is locked.</summary>
    public static void ThrowIfLocked(DateTime? lockedUntil, DateTime now)
    {
        if (lockedUntil is { } until && until > now)
        {
            var seconds = (int)Math.Ceiling((until - now).TotalSeconds);
            throw new ApiProblem(StatusCodes.Status429TooManyRequests, "account_locked", "Account locked",
                $"Too many failed attempts; try again in {seconds.ToString(CultureInfo.InvariantCulture)} seconds or reset your password.")
            {
                RetryAfterSeconds = seconds,
            };
        }
    }

    /// <summary>
    /// Counts one failure in a single UPDATE (concurrent failures all count); the fifth locks the
    /// account and starts the count again.
    /// </summary>
    public static Task RecordFailureAsync(Db db, int userId, DateTime now, CancellationToken ct)
    {
        var lockedUntil = now + Duration;
        return db.Users.Where(u => u.Id == userId)
            .Set(u => u.LockedUntil, u => u.FailedLoginCount + 1 >= MaxFailures ? lockedUntil : u.LockedUntil)
            .Set(u => u.FailedLoginCount, u => u.FailedLoginCount + 1 >= MaxFailures ? 0 : u.FailedLoginCount + 1)
            .UpdateAsync(ct);
    }
}

using System.Threading.RateLimiting;
using LinqToDB.Data;
using Marketplace.Api.Data;
using Microsoft.AspNetCore.Identity;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// Password hashing with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2,
/// format versioned inside the hash, so old hashes are recognised and upgraded on login).
/// </summary>
/// <remarks>
/// A hash costs tens of milliseconds of CPU on purpose. Unbounded, a burst of logins takes every
/// thread-pool thread and core and every other endpoint waits behind it; so every hash and check
/// first takes a permit of one limiter (Marketplace:Passwords: MaxConcurrent, default half the
/// cores, at least one), waits in a bounded queue (QueueLimit), and past it answers 503
/// <c>busy</c> with Retry-After (README: password hashing under load). The request's database
/// connection goes back to the pool before the wait (every method takes the request's
/// <see cref="DataConnection"/> for that): a queued login holds no connection, so a burst of them
/// cannot empty the pool under the requests beside it.
/// </remarks>
public sealed class Passwords : IDisposable
{
    public const string Busy = "busy";

    private static readonly UserRow Nobody = new();

    private readonly IPasswordHasher<UserRow> hasher;
    private readonly int retryAfterSeconds;

    // A real hash of a random password, checked when the e-mail is unknown so that a login costs
    // the same whether or not the account exists (no enumeration through timing).
    private readonly string dummyHash;

    public Passwords(IPasswordHasher<UserRow> hasher, MarketplaceOptions options)
    {
        this.hasher = hasher;
        var o = options.Passwords;
        retryAfterSeconds = o.RetryAfterSeconds;
        Limiter = o.LimitConcurrency
            ? new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = o.MaxConcurrent > 0 ? o.MaxConcurrent : DefaultMaxConcurrent,
                QueueLimit = o.QueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            })
            : null;
        dummyHash = hasher.HashPassword(Nobody, Secrets.NewToken());
    }

    /// <summary>Half the cores, at least one: the other half stays free for every other request during a login burst.</summary>
    public static int DefaultMaxConcurrent => Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>The limiter every hash waits on; null when Marketplace:Passwords:LimitConcurrency is false.</summary>
    internal ConcurrencyLimiter? Limiter { get; }

    public async Task<string> HashAsync(DataConnection db, string password, CancellationToken ct)
    {
        using var permit = await AcquireAsync(db, ct);
        return hasher.HashPassword(Nobody, password);
    }

    public async Task<PasswordVerificationResult> VerifyAsync(DataConnection db, string hash, string password, CancellationToken ct)
    {
        using var permit = await AcquireAsync(db, ct);
        try
        {
            return hasher.VerifyHashedPassword(Nobody, hash, password);
        }
        catch (FormatException)
        {
            // a malformed stored hash can never match
            return PasswordVerificationResult.Failed;
        }
    }

    /// <summary>Spends the time of a real check, for an unknown account (through the same limiter, so it also waits alike).</summary>
    public async Task VerifyNobodyAsync(DataConnection db, string password, CancellationToken ct)
    {
        using var permit = await AcquireAsync(db, ct);
        _ = hasher.VerifyHashedPassword(Nobody, dummyHash, password);
    }

    private async ValueTask<IDisposable?> AcquireAsync(DataConnection db, CancellationToken ct)
    {
        if (db.Transaction is not null)
        {
            throw new InvalidOperationException("A password was hashed inside a database transaction; hash before or after it.");
        }
        // the next query opens a connection again
        await db.CloseAsync();
        if (Limiter is null)
        {
            return null;
        }
        var lease = await Limiter.AcquireAsync(1, ct);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            throw new ApiProblem(StatusCodes.Status503ServiceUnavailable, Busy, "Service busy",
                "Too many password checks are in progress on this server; retry after the Retry-After seconds.")
            {
                RetryAfterSeconds = retryAfterSeconds,
            };
        }
        return lease;
    }

    public void Dispose() => Limiter?.Dispose();
}

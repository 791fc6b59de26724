using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth;

/// <summary>
/// How many failed password checks are tolerated (defaults; tests replace the singleton).
/// </summary>
public sealed record LockoutRules
{
    /// <summary>Per (e-mail, client network): this many failures in a row hold that network back for <see cref="PairHold"/>.</summary>
    public int PairFailures { get; init; } = 5;
    public TimeSpan PairWindow { get; init; } = TimeSpan.FromMinutes(15);
    public TimeSpan PairHold { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Per e-mail over every network (the backstop): past this many failures an hour, each failure holds every network for <see cref="AccountHold"/>.</summary>
    public int AccountFailures { get; init; } = 50;
    public TimeSpan AccountWindow { get; init; } = TimeSpan.FromHours(1);
    public TimeSpan AccountHold { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Per client network over every e-mail (the cap on guessing many accounts from one place).</summary>
    public int NetworkFailures { get; init; } = 200;
    public TimeSpan NetworkWindow { get; init; } = TimeSpan.FromHours(1);
    public TimeSpan NetworkHold { get; init; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Issue 3 / Hardening 13: failed password checks (login and change-password) are counted per
/// (e-mail, client network) - the client's /24 for IPv4, its /64 for IPv6 - so someone elsewhere
/// cannot lock the owner out: 5 in a row hold that network back for 15 minutes (429
/// too_many_attempts, even with the right password). A backstop per e-mail over all networks (50
/// failures an hour, then one try a minute) stops guessing spread over many networks, and a cap per
/// network (200 failures an hour) stops one place guessing many accounts. Unknown e-mails are
/// counted exactly like known ones, so neither the answers nor their order tell whether an address
/// has an account. Rows are keyed by HMAC digests (key derived from the signing key): no e-mail
/// address or client address is stored.
/// </summary>
public sealed class Lockout(SigningKey signingKey, LockoutRules rules, TimeProvider clock)
{
    private readonly byte[] hmacKey = HMACSHA256.HashData(signingKey.Key.Key, "marketplace/login-throttles"u8);

    /// <summary>The rows a password check of this e-mail from this client counts on.</summary>
    public Attempt For(string normalizedEmail, IPAddress? client)
    {
        var network = Network(client);
        var subject = Digest("email", normalizedEmail);
        return new Attempt(subject, Digest("pair", normalizedEmail, network), Digest("account", normalizedEmail), Digest("network", network));
    }

    /// <summary>Throws 429 too_many_attempts while any of the attempt's rows holds it back; one statement.</summary>
    public async Task ThrowIfHeldAsync(Db db, Attempt attempt, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var held = await Pg.QueryAsync(db, """
            SELECT max(blocked_until) FROM marketplace.login_throttles WHERE key IN ($1, $2, $3) AND blocked_until > $4
            """, r => r.IsDBNull(0) ? (DateTime?)null : r.GetFieldValue<DateTime>(0), ct,
            Pg.P(attempt.PairKey), Pg.P(attempt.AccountKey), Pg.P(attempt.NetworkKey), Pg.P(now));
        if (held[0] is { } until)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling((until - now).TotalSeconds));
            throw new ApiProblem(StatusCodes.Status429TooManyRequests, "too_many_attempts", "Too many attempts",
                $"Too many failed attempts; try again in {seconds.ToString(CultureInfo.InvariantCulture)} seconds or reset your password.")
            {
                RetryAfterSeconds = seconds,
            };
        }
    }

    /// <summary>
    /// Counts one failure on the pair, the e-mail and the network row: three upserts in one round
    /// trip, each atomic, so concurrent failures all count.
    /// </summary>
    public Task RecordFailureAsync(Db db, Attempt attempt, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new PgBatch()
            .Add(Count(attempt.PairKey, attempt.Subject, now, rules.PairWindow, rules.PairFailures, rules.PairHold, restartWhenHeld: true))
            .Add(Count(attempt.AccountKey, attempt.Subject, now, rules.AccountWindow, rules.AccountFailures, rules.AccountHold, restartWhenHeld: false))
            .Add(Count(attempt.NetworkKey, null, now, rules.NetworkWindow, rules.NetworkFailures, rules.NetworkHold, restartWhenHeld: true))
            .ExecuteAsync(db, ct);
    }

    /// <summary>The right password: the run of failures of this e-mail from this network starts again (the backstop and the cap keep counting).</summary>
    public Task RecordSuccessAsync(Db db, Attempt attempt, CancellationToken ct) =>
        Pg.ExecuteAsync(db, "DELETE FROM marketplace.login_throttles WHERE key = $1", ct, Pg.P(attempt.PairKey));

    /// <summary>A password reset: the mailbox owner is back, every hold on the address is lifted.</summary>
    public Task ClearAsync(Db db, string normalizedEmail, CancellationToken ct) =>
        Pg.ExecuteAsync(db, "DELETE FROM marketplace.login_throttles WHERE subject = $1", ct, Pg.P(Digest("email", normalizedEmail)));

    /// <summary>
    /// One failure on one row, within its window: the failure that reaches the threshold sets
    /// blocked_until (restarting the count for a hold that lasts, or re-holding on every further
    /// failure for the backstop); a failure after the window starts a new one.
    /// </summary>
    private static PgStatement Count(byte[] key, byte[]? subject, DateTime now, TimeSpan window, int threshold, TimeSpan hold, bool restartWhenHeld) => new("""
        INSERT INTO marketplace.login_throttles AS t (key, subject, failures, window_started_at, blocked_until, expires_at)
        VALUES ($1, $2, 1, $3, CASE WHEN $5 <= 1 THEN $3 + $6 END, $3 + $4 + $6)
        ON CONFLICT (key) DO UPDATE SET
            failures = CASE WHEN t.window_started_at + $4 <= $3 THEN 1
                            WHEN t.failures + 1 >= $5 AND $7 THEN 0
                            ELSE t.failures + 1 END,
            window_started_at = CASE WHEN t.window_started_at + $4 <= $3 OR (t.failures + 1 >= $5 AND $7) THEN $3
                                     ELSE t.window_started_at END,
            blocked_until = CASE WHEN t.window_started_at + $4 > $3 AND t.failures + 1 >= $5 THEN $3 + $6
                                 ELSE t.blocked_until END,
            expires_at = $3 + $4 + $6
        """, Pg.P(key), Pg.P(subject), Pg.P(now), Pg.P(window), Pg.P(threshold), Pg.P(hold), Pg.P(restartWhenHeld));

    /// <summary>The client's network: its /24 for IPv4 (also when mapped into IPv6), its /64 for IPv6.</summary>
    public static string Network(IPAddress? client)
    {
        if (client is null)
        {
            return "unknown";
        }
        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }
        var bytes = client.GetAddressBytes();
        return client.AddressFamily == AddressFamily.InterNetwork
            ? $"{bytes[0]}.{bytes[1]}.{bytes[2]}.0/24"
            : new IPAddress([.. bytes[..8], .. new byte[8]]) + "/64";
    }

    private byte[] Digest(params string[] parts) => HMACSHA256.HashData(hmacKey, Encoding.UTF8.GetBytes(string.Join('\n', parts)));

    /// <summary>The digests of one password check's rows.</summary>
    public sealed record Attempt(byte[] Subject, byte[] PairKey, byte[] AccountKey, byte[] NetworkKey);
}

/// <summary>
/// Deletes login-throttle rows whose window and hold are over, every ten minutes; several
/// instances may run it at once (SKIP LOCKED batches, and deleting what is over is harmless to repeat).
/// </summary>
internal sealed class LoginThrottlePurger(LinqToDB.DataOptions<Db> dataOptions, TimeProvider clock, ILogger<LoginThrottlePurger> logger)
    : PeriodicJob(clock, logger)
{
    private const int BatchSize = 1000;

    protected override string Name => "login_throttle_purge";

    protected override TimeSpan Interval { get; } = TimeSpan.FromMinutes(10);

    protected override Task RunOnceAsync(CancellationToken ct) => PurgeAsync(ct);

    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var now = Clock.GetUtcNow().UtcDateTime;
        using var db = new Db(dataOptions);
        var total = 0;
        int deleted;
        do
        {
            deleted = await Pg.ExecuteAsync(db, """
                DELETE FROM marketplace.login_throttles
                 WHERE key IN (SELECT key FROM marketplace.login_throttles WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
                """, ct, Pg.P(now), Pg.P(BatchSize));
            total += deleted;
        }
        while (deleted == BatchSize && !ct.IsCancellationRequested);
        return total;
    }
}

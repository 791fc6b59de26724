using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Features.Auth;

/// <summary>
/// Hardening 14: forgot-password and resend-verification answer before any work that depends on
/// the address. Looking the account up, issuing a token and queueing the mail took measurably
/// longer for a real account (7.5 ms against 2.1 ms), which told anyone which addresses have
/// accounts. The endpoints now do one INSERT here, the same for every address, and answer 202;
/// <see cref="AuthMailRequestWorker"/> does the rest moments later.
/// </summary>
internal static class AuthMailRequests
{
    public const string PasswordReset = "password_reset";
    public const string Verification = "verify_email";

    public static Task EnqueueAsync(Db db, string kind, string normalizedEmail, DateTime now, CancellationToken ct) =>
        Pg.ExecuteAsync(db, "INSERT INTO marketplace.auth_mail_requests (kind, email, requested_at) VALUES ($1, $2, $3)", ct,
            Pg.P(kind), Pg.P(normalizedEmail), Pg.P(now));
}

/// <summary>Wakes this instance's <see cref="AuthMailRequestWorker"/> right after a request was queued.</summary>
public sealed class AuthMailRequestSignal
{
    private readonly SemaphoreSlim wake = new(0, 1);

    public void Wake()
    {
        try
        {
            wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // already awake
        }
    }

    internal Task WaitAsync(TimeSpan timeout, CancellationToken ct) => wake.WaitAsync(timeout, ct);
}

/// <summary>
/// Handles queued forgot-password and resend-verification requests, one row per transaction: the
/// row is claimed with <c>FOR UPDATE SKIP LOCKED</c> (several instances never handle one request
/// twice, and a crashed instance's row is free again at once), the slice's rule issues the token and
/// queues the mail, and the row is deleted in that same transaction. Times are the request's own
/// (requested_at), so the one-mail-a-minute rule and the link's expiry count from the request.
/// </summary>
internal sealed class AuthMailRequestWorker(
    DataOptions<Db> dataOptions,
    MarketplaceOptions options,
    AuthMailRequestSignal signal,
    OutboxSignal outbox,
    ILogger<AuthMailRequestWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromMilliseconds(options.Smtp.PollMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = poll;
            try
            {
                while (await HandleOneAsync(stoppingToken))
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // the database is down or not migrated: try again later, without flooding the log
                wait = TimeSpan.FromSeconds(Math.Max(poll.TotalSeconds, 10));
                if (DbFaults.IsUnavailable(ex))
                {
                    logger.LogWarning("Handling auth mail requests failed, next try in {Delay}: {Reason}", wait, DbFaults.Describe(ex));
                }
                else
                {
                    logger.LogError(ex, "Handling auth mail requests failed; next try in {Delay}", wait);
                }
            }
            try
            {
                await signal.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Handles the oldest unclaimed request; false when there was none.</summary>
    public async Task<bool> HandleOneAsync(CancellationToken ct)
    {
        using var db = new Db(dataOptions);
        Request? request;
        await using (var transaction = await db.BeginTransactionAsync(ct))
        {
            var claimed = await Pg.QueryAsync(db, """
                SELECT id, kind, email, requested_at FROM marketplace.auth_mail_requests ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
                """, r => new Request(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTime>(3)), ct);
            if (claimed.Count == 0)
            {
                return false;
            }
            request = claimed[0];
            try
            {
                var mailed = request.Kind == AuthMailRequests.PasswordReset
                    ? await ForgotPassword.Mailing.SendAsync(db, options, request.Email, request.RequestedAt, ct)
                    : await ResendVerification.Mailing.SendAsync(db, options, request.Email, request.RequestedAt, ct);
                await Pg.ExecuteAsync(db, "DELETE FROM marketplace.auth_mail_requests WHERE id = $1", ct, Pg.P(request.Id));
                await transaction.CommitAsync(ct);
                if (mailed)
                {
                    outbox.Wake();
                }
                return true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Auth mail request {RequestId} ({Kind}) failed; dropped", request.Id, request.Kind);
            }
        }
        // a request that fails is dropped rather than retried forever; the user can ask again
        await Pg.ExecuteAsync(db, "DELETE FROM marketplace.auth_mail_requests WHERE id = $1", ct, Pg.P(request.Id));
        return true;
    }

    private sealed record Request(long Id, string Kind, string Email, DateTime RequestedAt);
}

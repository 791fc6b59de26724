using LinqToDB;
using LinqToDB.Async;
using MailKit.Net.Smtp;
using MailKit.Security;
using Marketplace.Api.Data;
using MimeKit;

namespace Marketplace.Api.Infrastructure.Email;

/// <summary>
/// Sends the e-mail outbox: claims due rows, sends them through SMTP (MailKit), marks them sent;
/// failures are retried with exponential backoff and given up after Marketplace:Smtp:MaxAttempts.
/// With no SMTP host configured each mail is written as an .eml file under the data folder instead.
/// </summary>
/// <remarks>
/// Several API instances may run this at once. A batch is claimed with
/// <c>SELECT ... FOR UPDATE SKIP LOCKED</c> and sent and marked inside that same transaction, so
/// the row locks are what keeps two instances off one mail: another instance skips locked rows,
/// and once the transaction commits the rows are no longer due. Chosen over a lease column
/// (claimed_until) because a crashed instance releases its locks with its connection at once, with
/// no lease length to tune. The price: a transaction stays open while SMTP talks (bounded by the
/// SMTP timeout), and a crash after the server accepted a mail but before the commit sends that
/// mail again; every send uses the row's stable Message-ID so receivers can recognise the repeat.
/// </remarks>
internal sealed class OutboxDispatcher(
    DataOptions<Db> dataOptions,
    MarketplaceOptions options,
    TimeProvider clock,
    IHostEnvironment environment,
    OutboxSignal signal,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromHours(1);
    private const int SmtpTimeoutMilliseconds = 30_000;

    /// <summary>The longest pause between rounds while they keep failing.</summary>
    internal static readonly TimeSpan LongestBackoff = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromMilliseconds(options.Smtp.PollMilliseconds);
        var consecutiveErrors = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = poll;
            try
            {
                await DispatchDueAsync(stoppingToken);
                Telemetry.JobRun("email_outbox", ok: true);
                consecutiveErrors = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // the database is down or not migrated: keep trying, further and further apart, one log line per try
                Telemetry.JobRun("email_outbox", ok: false);
                consecutiveErrors++;
                wait = Backoff(poll, consecutiveErrors);
                if (DbFaults.IsUnavailable(ex))
                {
                    logger.LogWarning("E-mail outbox round failed ({Failures} in a row), next try in {Delay}: {Reason}", consecutiveErrors, wait, DbFaults.Describe(ex));
                }
                else
                {
                    logger.LogError(ex, "E-mail outbox round failed ({Failures} in a row), next try in {Delay}", consecutiveErrors, wait);
                }
            }
            try
            {
                await signal.WaitAsync(wait, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The pause after the n-th failed round in a row: the poll interval doubled each time, at most <see cref="LongestBackoff"/>.</summary>
    internal static TimeSpan Backoff(TimeSpan poll, int failures) =>
        TimeSpan.FromTicks(Math.Min(poll.Ticks * (1L << Math.Min(failures, 30)), LongestBackoff.Ticks));

    /// <summary>Sends every due mail, batch by batch; returns how many were delivered.</summary>
    /// <param name="stopping">Checked between batches only: a batch in flight is finished and committed, since
    /// abandoning it after the server accepted some of its mails would send those again.</param>
    public async Task<int> DispatchDueAsync(CancellationToken stopping)
    {
        var delivered = 0;
        while (!stopping.IsCancellationRequested)
        {
            var (claimed, sent) = await DispatchBatchAsync(CancellationToken.None);
            delivered += sent;
            if (claimed < options.Smtp.BatchSize)
            {
                break;
            }
        }
        return delivered;
    }

    private async Task<(int Claimed, int Sent)> DispatchBatchAsync(CancellationToken ct)
    {
        using var db = new Db(dataOptions);
        await using var transaction = await db.BeginTransactionAsync(ct);
        var batch = await Pg.QueryAsync(db, ClaimSql, ReadMail, ct, Pg.P(clock.GetUtcNow().UtcDateTime), Pg.P(options.Smtp.BatchSize));
        if (batch.Count == 0)
        {
            return (0, 0);
        }

        var sentIds = new List<long>(batch.Count);
        var sentAt = new List<DateTime>(batch.Count);
        await using (var transport = Transport())
        {
            foreach (var mail in batch)
            {
                try
                {
                    await transport.SendAsync(Message(mail), ct);
                    sentIds.Add(mail.Id);
                    sentAt.Add(clock.GetUtcNow().UtcDateTime);
                    logger.LogInformation("E-mail {MailId} ({Kind}) sent", mail.Id, mail.Kind);
                }
                catch (Exception ex)
                {
                    await RecordFailureAsync(db, mail, ex, ct);
                }
            }
        }
        if (sentIds.Count > 0)
        {
            // committed with the claim: if the instance dies before the commit these mails are due again (same Message-ID)
            await Pg.ExecuteAsync(db, """
                UPDATE marketplace.email_outbox m SET sent_at = s.sent_at, attempts = m.attempts + 1, last_error = NULL
                  FROM unnest($1::bigint[], $2::timestamptz[]) AS s (id, sent_at)
                 WHERE m.id = s.id
                """, ct, Pg.P(sentIds.ToArray()), Pg.P(sentAt.ToArray()));
        }
        await transaction.CommitAsync(ct);
        return (batch.Count, sentIds.Count);
    }

    /// <summary>Due mails, oldest first, locked; rows another instance holds are skipped (ix_email_outbox_pending).</summary>
    private const string ClaimSql = """
        SELECT id, kind, to_address, subject, text_body, html_body, created_at, available_at, attempts
          FROM marketplace.email_outbox
         WHERE sent_at IS NULL AND failed_at IS NULL AND available_at <= $1
         ORDER BY available_at, id
         LIMIT $2
           FOR UPDATE SKIP LOCKED
        """;

    private static OutboxMailRow ReadMail(Npgsql.NpgsqlDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Kind = r.GetString(1),
        ToAddress = r.GetString(2),
        Subject = r.GetString(3),
        TextBody = r.GetString(4),
        HtmlBody = r.Get<string>(5),
        CreatedAt = r.GetFieldValue<DateTime>(6),
        AvailableAt = r.GetFieldValue<DateTime>(7),
        Attempts = r.GetInt32(8),
    };

    private async Task RecordFailureAsync(Db db, OutboxMailRow mail, Exception ex, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var attempts = mail.Attempts + 1;
        var error = Describe(ex);
        var givenUp = attempts >= options.Smtp.MaxAttempts;
        var retryIn = TimeSpan.FromTicks(Math.Min(FirstRetry.Ticks * (1L << Math.Min(attempts - 1, 20)), LongestRetry.Ticks));
        await db.Outbox.Where(m => m.Id == mail.Id)
            .Set(m => m.Attempts, attempts)
            .Set(m => m.LastError, error)
            .Set(m => m.AvailableAt, givenUp ? mail.AvailableAt : now + retryIn)
            .Set(m => m.FailedAt, givenUp ? now : null)
            .UpdateAsync(ct);
        if (givenUp)
        {
            logger.LogError("E-mail {MailId} ({Kind}) given up after {Attempts} attempts: {Error}", mail.Id, mail.Kind, attempts, error);
        }
        else
        {
            logger.LogWarning("E-mail {MailId} ({Kind}) attempt {Attempts} failed, retry in {RetryIn}: {Error}", mail.Id, mail.Kind, attempts, retryIn, error);
        }
    }

    /// <summary>What went wrong, for last_error and the log: type and message, never the SMTP password.</summary>
    private string Describe(Exception ex)
    {
        var text = $"{ex.GetType().Name}: {ex.Message}";
        if (!string.IsNullOrEmpty(options.Smtp.Password))
        {
            text = text.Replace(options.Smtp.Password, "***", StringComparison.Ordinal);
        }
        return text.Length > 1000 ? text[..1000] : text;
    }

    private MimeMessage Message(OutboxMailRow mail)
    {
        var from = MailboxAddress.Parse(options.Smtp.From);
        var message = new MimeMessage
        {
            Subject = mail.Subject,
            Date = new DateTimeOffset(mail.CreatedAt, TimeSpan.Zero),
            // stable per outbox row: a resend after a crash is recognisably the same message
            MessageId = $"outbox-{mail.Id}@{from.Domain}",
            Body = new BodyBuilder { TextBody = mail.TextBody, HtmlBody = mail.HtmlBody }.ToMessageBody(),
        };
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(mail.ToAddress));
        message.Headers.Add("X-Marketplace-Mail-Kind", mail.Kind);
        return message;
    }

    private IMailTransport Transport() => string.IsNullOrWhiteSpace(options.Smtp.Host)
        ? new FileTransport(Path.Combine(options.DataDirectory(environment), "mail"))
        : new SmtpTransport(options.Smtp);

    private interface IMailTransport : IAsyncDisposable
    {
        Task SendAsync(MimeMessage message, CancellationToken ct);
    }

    /// <summary>One SMTP connection per batch, opened on the first mail.</summary>
    private sealed class SmtpTransport(MarketplaceOptions.SmtpOptions smtp) : IMailTransport
    {
        private SmtpClient? client;
        private Exception? connectFailure;

        public async Task SendAsync(MimeMessage message, CancellationToken ct)
        {
            if (connectFailure is not null)
            {
                // the server could not be reached for this batch: fail the rest without retrying each
                throw connectFailure;
            }
            if (client is null)
            {
                var connecting = new SmtpClient { Timeout = SmtpTimeoutMilliseconds };
                try
                {
                    // Auto: TLS on connect for port 465, STARTTLS when the server offers it otherwise
                    await connecting.ConnectAsync(smtp.Host!, smtp.Port, SecureSocketOptions.Auto, ct);
                    if (!string.IsNullOrEmpty(smtp.Username))
                    {
                        await connecting.AuthenticateAsync(smtp.Username, smtp.Password ?? "", ct);
                    }
                    client = connecting;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    connecting.Dispose();
                    connectFailure = ex;
                    throw;
                }
            }
            try
            {
                await client.SendAsync(message, ct);
            }
            finally
            {
                if (!client.IsConnected)
                {
                    client.Dispose();
                    client = null;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (client is not null)
            {
                try
                {
                    await client.DisconnectAsync(quit: true);
                }
                catch (Exception ex) when (ex is IOException or MailKit.ProtocolException or MailKit.ServiceNotConnectedException)
                {
                    // the mails were already accepted; a rude goodbye changes nothing
                }
                client.Dispose();
            }
        }
    }

    /// <summary>Development without SMTP: each mail becomes an .eml file to open in a mail client.</summary>
    private sealed class FileTransport(string folder) : IMailTransport
    {
        public async Task SendAsync(MimeMessage message, CancellationToken ct)
        {
            Directory.CreateDirectory(folder);
            var name = $"{message.Date.UtcDateTime:yyyyMMdd'T'HHmmss}-{(message.MessageId ?? Guid.NewGuid().ToString("N")).Split('@')[0]}.eml";
            await message.WriteToAsync(Path.Combine(folder, name), ct);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>
/// Wakes this instance's dispatcher right after a slice committed a mail, instead of waiting for
/// the next poll (other instances still find it by polling).
/// </summary>
public sealed class OutboxSignal
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

    /// <summary>Until woken or <paramref name="timeout"/> has passed on <paramref name="clock"/> (the tests' clock in tests).</summary>
    internal async Task WaitAsync(TimeSpan timeout, TimeProvider clock, CancellationToken ct)
    {
        using var timer = new CancellationTokenSource(timeout, clock);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, ct);
        try
        {
            await wake.WaitAsync(either.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // the timeout passed
        }
    }
}

internal static class EmailRegistration
{
    public static IServiceCollection AddMarketplaceEmail(this IServiceCollection services)
    {
        services.AddSingleton<OutboxSignal>();
        services.AddHostedService<OutboxDispatcher>();
        return services;
    }
}

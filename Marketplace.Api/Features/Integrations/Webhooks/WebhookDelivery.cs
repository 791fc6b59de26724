using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Features.Integrations.Webhooks;

/// <summary>
/// Turns committed domain events into deliveries and delivers them, in the background (never in the
/// request that made the change), safely with several instances:
/// <list type="bullet">
/// <item>fan-out: one instance at a time (the <c>webhook_fanout</c> row, FOR UPDATE SKIP LOCKED) reads the
/// events after its position under the feed's commit-order rule and inserts one delivery per matching
/// endpoint (unique per endpoint and event);</item>
/// <item>delivery: due deliveries are claimed with FOR UPDATE SKIP LOCKED and a lease (a lease id and
/// an expiry), so one instance at a time attempts each; the result is recorded only under that lease;</item>
/// <item>at most <c>MaxParallel</c> attempts in flight per instance, each bounded by <c>TimeoutSeconds</c>,
/// and new claims go on while a slow receiver holds its slot;</item>
/// <item>failures are retried with exponential backoff (30 s doubling, at most 12 h apart) for 3 days;
/// then the delivery is failed, the endpoint disabled and its owner mailed.</item>
/// </list>
/// Requests follow Standard Webhooks: <c>webhook-id</c> (the event id, the same on every retry),
/// <c>webhook-timestamp</c>, <c>webhook-signature</c> (<c>v1,</c>base64 HMAC-SHA256 of id.timestamp.body;
/// two signatures during a rotation).
/// </summary>
public sealed class WebhookDelivery : BackgroundService
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan LongestRetry = TimeSpan.FromHours(12);
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromDays(3);
    private const int FanOutBatch = 1000;
    private static readonly TimeSpan FanOutInterval = TimeSpan.FromMilliseconds(200);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly LinqToDB.DataOptions<Db> dataOptions;
    private readonly MarketplaceOptions options;
    private readonly TimeProvider clock;
    private readonly WebhookSecrets secrets;
    private readonly ILogger<WebhookDelivery> logger;
    private readonly HttpClient http;
    private readonly SemaphoreSlim slots;

    public WebhookDelivery(LinqToDB.DataOptions<Db> dataOptions, MarketplaceOptions options, TimeProvider clock, WebhookSecrets secrets,
        WebhookTargets targets, ILogger<WebhookDelivery> logger)
    {
        this.dataOptions = dataOptions;
        this.options = options;
        this.clock = clock;
        this.secrets = secrets;
        this.logger = logger;
        http = new HttpClient(targets.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("Marketplace-Webhooks/1");
        slots = new SemaphoreSlim(Math.Max(1, options.Webhooks.MaxParallel));
    }

    /// <summary>The pause before attempt <paramref name="attempt"/>+1 after attempt <paramref name="attempt"/> failed.</summary>
    public static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(LongestRetry.Ticks, FirstRetry.Ticks * (1L << Math.Min(attempt - 1, 20))));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Webhooks.BackgroundDelivery)
        {
            return;
        }
        var poll = TimeSpan.FromMilliseconds(options.Webhooks.PollMilliseconds);
        var lastFanOut = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // while busy, fan out at most every 200 ms (one transaction each), not once per freed slot
                if (clock.GetUtcNow() - lastFanOut >= FanOutInterval)
                {
                    await FanOutAsync(stoppingToken);
                    lastFanOut = clock.GetUtcNow();
                }
                // claim only what free slots can take; attempts run on while the loop goes on claiming
                var claimed = await StartDueAsync(slots.CurrentCount, stoppingToken);
                if (claimed > 0)
                {
                    // there may be more: claim again as soon as a slot is free, not after a poll interval
                    await slots.WaitAsync(stoppingToken);
                    slots.Release();
                    continue;
                }
                lastFanOut = DateTimeOffset.MinValue;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Webhook delivery round failed: {Reason}", DbFaults.IsUnavailable(ex) ? DbFaults.Describe(ex) : ex.Message);
            }
            try
            {
                await Task.Delay(poll, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One whole round, awaited: fan out, then attempt every due delivery (tests and the benchmark drive it).</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        await FanOutAsync(ct);
        var attempts = new List<Task>();
        foreach (var claim in await ClaimAsync(options.Webhooks.BatchSize, ct))
        {
            await slots.WaitAsync(ct);
            attempts.Add(AttemptAsync(claim, ct));
        }
        await Task.WhenAll(attempts);
    }

    private async Task<int> StartDueAsync(int free, CancellationToken ct)
    {
        if (free <= 0)
        {
            return 0;
        }
        var claims = await ClaimAsync(Math.Min(free, options.Webhooks.BatchSize), ct);
        foreach (var claim in claims)
        {
            await slots.WaitAsync(ct);
            _ = AttemptAsync(claim, ct);
        }
        return claims.Count;
    }

    private const string FanOutSql = """
        WITH ev AS (
            SELECT id, sequence, type, party_user_ids FROM marketplace.domain_events
             WHERE sequence > $1 AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY sequence LIMIT $2),
        ins AS (
            INSERT INTO marketplace.webhook_deliveries (endpoint_id, event_id, event_sequence, status, attempts, next_attempt_at, created_at)
            SELECT w.id, ev.id, ev.sequence, 'pending', 0, $3, $3
              FROM ev JOIN marketplace.webhook_endpoints w ON w.user_id = ANY (ev.party_user_ids) AND ev.type = ANY (w.event_types) AND NOT w.disabled
            ON CONFLICT (endpoint_id, event_id) DO NOTHING)
        UPDATE marketplace.webhook_fanout SET last_sequence = (SELECT max(sequence) FROM ev)
         WHERE id = 1 AND EXISTS (SELECT 1 FROM ev)
        """;

    /// <summary>Turns the next committed events into deliveries; skipped while another instance does it.</summary>
    public async Task FanOutAsync(CancellationToken ct)
    {
        await using var db = new Db(dataOptions);
        await using var tx = await db.BeginTransactionAsync(ct);
        var position = (await Pg.QueryAsync(db, "SELECT last_sequence FROM marketplace.webhook_fanout WHERE id = 1 FOR UPDATE SKIP LOCKED",
            r => r.GetInt64(0), ct)).ToList();
        if (position.Count == 0)
        {
            return;
        }
        await Pg.ExecuteAsync(db, FanOutSql, ct, Pg.P(position[0]), Pg.P(FanOutBatch), Pg.P(clock.GetUtcNow().UtcDateTime));
        await tx.CommitAsync(ct);
    }

    private sealed record Claim(long Id, Guid Lease, int Attempts, DateTime CreatedAt, int EndpointId, string Url, byte[] Secret, byte[]? PreviousSecret,
        DateTime? PreviousSecretExpiresAt, Guid EventId, string Body);

    private const string ClaimSql = """
        WITH c AS (
            SELECT d.id FROM marketplace.webhook_deliveries d
              JOIN marketplace.webhook_endpoints w ON w.id = d.endpoint_id
             WHERE d.status = 'pending' AND d.next_attempt_at <= $3 AND (d.leased_until IS NULL OR d.leased_until < $3) AND NOT w.disabled
             ORDER BY d.next_attempt_at, d.id
             LIMIT $4
               FOR UPDATE OF d SKIP LOCKED)
        UPDATE marketplace.webhook_deliveries d SET lease_id = $1, leased_until = $2
          FROM c, marketplace.webhook_endpoints w, marketplace.domain_events e
         WHERE d.id = c.id AND w.id = d.endpoint_id AND e.id = d.event_id
        RETURNING d.id, d.attempts, d.created_at, w.id, w.url, w.secret_encrypted, w.previous_secret_encrypted, w.previous_secret_expires_at,
                  e.id, e.sequence, e.type, e.occurred_at, e.resource_type, e.resource_id, e.data::text
        """;

    private async Task<List<Claim>> ClaimAsync(int max, CancellationToken ct)
    {
        if (max <= 0)
        {
            return [];
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var lease = Guid.NewGuid();
        await using var db = new Db(dataOptions);
        return await Pg.QueryAsync(db, ClaimSql, r => new Claim(
            r.GetInt64(0), lease, r.GetInt32(1), r.GetDateTime(2), r.GetInt32(3), r.GetString(4), r.GetFieldValue<byte[]>(5), r.Get<byte[]>(6),
            r.IsDBNull(7) ? null : r.GetDateTime(7), r.GetGuid(8),
            Body(r.GetGuid(8), r.GetInt64(9), r.GetString(10), r.GetDateTime(11), r.GetString(12), r.GetString(13), r.GetString(14))),
            ct, Pg.P(lease), Pg.P(now + TimeSpan.FromSeconds(options.Webhooks.TimeoutSeconds + 30)), Pg.P(now), Pg.P(max));
    }

    /// <summary>The request body: the event as <c>GET /events</c> answers it.</summary>
    private static string Body(Guid id, long sequence, string type, DateTime occurredAt, string resourceType, string resourceId, string data) =>
        JsonSerializer.Serialize(new
        {
            id,
            sequence,
            type,
            occurredAt = DateTime.SpecifyKind(occurredAt, DateTimeKind.Utc),
            resource = new { type = resourceType, id = resourceId },
            data = JsonDocument.Parse(data).RootElement,
        }, Json);

    private async Task AttemptAsync(Claim claim, CancellationToken ct)
    {
        try
        {
            int? code = null;
            string? error = null;
            try
            {
                var now = clock.GetUtcNow();
                var timestamp = now.ToUnixTimeSeconds();
                var id = claim.EventId.ToString();
                var signatures = new List<string> { WebhookSecrets.Sign(secrets.Decrypt(claim.Secret), id, timestamp, claim.Body) };
                if (claim.PreviousSecret is not null && claim.PreviousSecretExpiresAt > now.UtcDateTime)
                {
                    signatures.Add(WebhookSecrets.Sign(secrets.Decrypt(claim.PreviousSecret), id, timestamp, claim.Body));
                }
                using var request = new HttpRequestMessage(HttpMethod.Post, claim.Url)
                {
                    Content = new StringContent(claim.Body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
                };
                request.Headers.Add("webhook-id", id);
                request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
                request.Headers.Add("webhook-signature", string.Join(' ', signatures));
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(options.Webhooks.TimeoutSeconds));
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                code = (int)response.StatusCode;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                error = $"no answer within {options.Webhooks.TimeoutSeconds} s";
            }
            catch (HttpRequestException ex)
            {
                error = ex.Message;
            }
            await RecordAsync(claim, code, error, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // the lease expires and another round tries again
            logger.LogWarning("Webhook delivery {DeliveryId} could not be recorded: {Reason}", claim.Id, ex.Message);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task RecordAsync(Claim claim, int? code, string? error, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = new Db(dataOptions);
        var deliveries = db.GetTable<WebhookDeliveryRow>().Where(d => d.Id == claim.Id && d.LeaseId == claim.Lease);
        if (code is >= 200 and < 300)
        {
            await deliveries.Set(d => d.Status, "delivered").Set(d => d.Attempts, d => d.Attempts + 1).Set(d => d.LastResponseCode, code)
                .Set(d => d.LastError, (string?)null).Set(d => d.LastAttemptAt, now).Set(d => d.DeliveredAt, now)
                .Set(d => d.LeaseId, (Guid?)null).Set(d => d.LeasedUntil, (DateTime?)null).UpdateAsync(ct);
            return;
        }
        error ??= $"answered {code}";
        if (error.Length > 500)
        {
            error = error[..500];
        }
        var attempts = claim.Attempts + 1;
        var next = now + Backoff(attempts);
        var giveUp = next - claim.CreatedAt > GiveUpAfter;
        logger.LogInformation("Webhook delivery {DeliveryId} to endpoint {EndpointId} failed (attempt {Attempts}): {Reason}", claim.Id, claim.EndpointId, attempts, error);
        await using var tx = await db.BeginTransactionAsync(ct);
        var recorded = await deliveries.Set(d => d.Status, giveUp ? "failed" : "pending").Set(d => d.Attempts, attempts)
            .Set(d => d.LastResponseCode, code).Set(d => d.LastError, error).Set(d => d.LastAttemptAt, now).Set(d => d.NextAttemptAt, next)
            .Set(d => d.LeaseId, (Guid?)null).Set(d => d.LeasedUntil, (DateTime?)null).UpdateAsync(ct);
        if (recorded == 1 && giveUp)
        {
            await DisableAsync(db, claim.EndpointId, now, ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>Disables a failing endpoint and mails its owner, once.</summary>
    private async Task DisableAsync(Db db, int endpointId, DateTime now, CancellationToken ct)
    {
        var disabled = await db.GetTable<WebhookEndpointRow>().Where(w => w.Id == endpointId && !w.Disabled)
            .Set(w => w.Disabled, true).Set(w => w.DisabledReason, "failing").Set(w => w.UpdatedAt, now).UpdateAsync(ct);
        if (disabled == 0)
        {
            return;
        }
        var owner = await (from w in db.GetTable<WebhookEndpointRow>() join u in db.Users on w.UserId equals u.Id where w.Id == endpointId select new { u.Email, w.Url })
            .FirstAsync(ct);
        await Outbox.EnqueueAsync(db, clock, new OutgoingMail("webhook_endpoint_disabled", owner.Email, "Your webhook endpoint was disabled",
            $"""
            We could not deliver events to your webhook endpoint {owner.Url} for {GiveUpAfter.TotalDays:0} days, so we disabled it.

            Fix the receiver, then enable the endpoint again (PATCH /webhook-endpoints/{endpointId} with "disabled": false) and retry the
            failed deliveries (POST /webhook-endpoints/{endpointId}/deliveries/<deliveryId>/retry), or read what you missed from GET /events.
            """), ct);
        logger.LogWarning("Webhook endpoint {EndpointId} disabled after {Days} days of failed deliveries", endpointId, GiveUpAfter.TotalDays);
    }

    public override void Dispose()
    {
        http.Dispose();
        base.Dispose();
    }
}

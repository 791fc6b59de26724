using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

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
    private static readonly TimeSpan RefillWindow = TimeSpan.FromMilliseconds(20);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly LinqToDB.DataOptions<Db> dataOptions;
    private readonly MarketplaceOptions options;
    private readonly TimeProvider clock;
    private readonly WebhookSecrets secrets;
    private readonly ILogger<WebhookDelivery> logger;
    private readonly HttpClient http;
    private readonly SemaphoreSlim slots;
    private readonly SemaphoreSlim freed = new(0);
    private readonly DeliveryOutcomes outcomes;

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
        outcomes = new DeliveryOutcomes(dataOptions, clock, logger);
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
        var lastWork = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // while busy, fan out at most every 200 ms (one transaction each), not once per freed slot
                if (clock.GetUtcNow() - lastFanOut >= FanOutInterval)
                {
                    if (await FanOutAsync(stoppingToken) > 0)
                    {
                        lastWork = clock.GetUtcNow();
                    }
                    lastFanOut = clock.GetUtcNow();
                }
                // claim only what free slots can take; attempts run on while the loop goes on claiming
                var claimed = await StartDueAsync(slots.CurrentCount, stoppingToken);
                if (claimed > 0)
                {
                    // there may be more: claim again soon, not after a poll interval, but in batches (one claim
                    // transaction per half the slots, not one per freed slot), so busy delivery costs the database
                    // and the requests beside it as little as it can
                    lastWork = clock.GetUtcNow();
                    await RefillAsync(stoppingToken);
                    await YieldToRequestsAsync(stoppingToken);
                    continue;
                }
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
                // nothing due: look again at the next fan-out while events keep coming, after a poll interval when idle
                var idle = clock.GetUtcNow() - lastWork > poll;
                await Task.Delay(idle ? poll : FanOutInterval, clock, stoppingToken);
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

    /// <summary>Waits until half the slots are free again, at most <see cref="RefillWindow"/> once one is.</summary>
    private async Task RefillAsync(CancellationToken ct)
    {
        var half = Math.Max(1, options.Webhooks.MaxParallel / 2);
        await freed.WaitAsync(ct);
        var until = Environment.TickCount64 + (long)RefillWindow.TotalMilliseconds;
        while (slots.CurrentCount < half)
        {
            var left = until - Environment.TickCount64;
            if (left <= 0 || !await freed.WaitAsync(TimeSpan.FromMilliseconds(left), ct))
            {
                break;
            }
        }
        // the signals counted while we waited are spent: the next wait starts from what is free now
        while (freed.CurrentCount > 0 && freed.Wait(0))
        {
        }
    }

    /// <summary>
    /// Background priority for delivery, which shares the instance's CPUs with the requests: while the
    /// thread pool has work queued (at least one item per CPU: the CPUs are saturated and requests are
    /// waiting for them), the next claim waits, in 5 ms steps, until the queue is gone, for at most
    /// <c>YieldMilliseconds</c>. Slow receivers cost no CPU, so attempts in flight are never held back,
    /// only new claims; and since every claim goes ahead after the pause, delivery keeps a floor of one
    /// claim per pause however busy the instance is (a backlog cannot grow without bound).
    /// Real time, not the <see cref="TimeProvider"/>: this paces CPU use, it schedules nothing.
    /// </summary>
    private async Task YieldToRequestsAsync(CancellationToken ct)
    {
        var budget = options.Webhooks.YieldMilliseconds;
        var queued = Environment.ProcessorCount;
        for (var waited = 0; waited < budget && ThreadPool.PendingWorkItemCount >= queued; waited += YieldStep)
        {
            await Task.Delay(YieldStep, ct);
        }
    }

    private const int YieldStep = 5;

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

    /// <summary>Turns the next committed events into deliveries; skipped while another instance does it. 1 when it read events, else 0.</summary>
    public async Task<int> FanOutAsync(CancellationToken ct)
    {
        await using var db = new Db(dataOptions);
        await using var tx = await db.BeginTransactionAsync(ct);
        var position = (await Pg.QueryAsync(db, "SELECT last_sequence FROM marketplace.webhook_fanout WHERE id = 1 FOR UPDATE SKIP LOCKED",
            r => r.GetInt64(0), ct)).ToList();
        if (position.Count == 0)
        {
            return 0;
        }
        var read = await Pg.ExecuteAsync(db, FanOutSql, ct, Pg.P(position[0]), Pg.P(FanOutBatch), Pg.P(clock.GetUtcNow().UtcDateTime));
        await tx.CommitAsync(ct);
        return read;
    }

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

    private async Task<List<DeliveryClaim>> ClaimAsync(int max, CancellationToken ct)
    {
        if (max <= 0)
        {
            return [];
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var lease = Guid.NewGuid();
        // an event fanned out to several endpoints is serialised once per batch, each endpoint's secret decrypted once
        var bodies = new Dictionary<Guid, string>();
        var keys = new Dictionary<int, (string Secret, string? Previous)>();
        await using var db = new Db(dataOptions);
        return await Pg.QueryAsync(db, ClaimSql, r =>
        {
            var eventId = r.GetGuid(8);
            if (!bodies.TryGetValue(eventId, out var body))
            {
                body = Body(eventId, r.GetInt64(9), r.GetString(10), r.GetDateTime(11), r.GetString(12), r.GetString(13), r.GetString(14));
                bodies[eventId] = body;
            }
            var endpointId = r.GetInt32(3);
            var previousExpires = r.IsDBNull(7) ? (DateTime?)null : r.GetDateTime(7);
            if (!keys.TryGetValue(endpointId, out var key))
            {
                var previous = r.Get<byte[]>(6);
                key = (secrets.Decrypt(r.GetFieldValue<byte[]>(5)), previous is not null && previousExpires > now ? secrets.Decrypt(previous) : null);
                keys[endpointId] = key;
            }
            return new DeliveryClaim(r.GetInt64(0), lease, r.GetInt32(1), r.GetDateTime(2), endpointId, r.GetString(4), key.Secret, key.Previous,
                previousExpires, eventId, body);
        }, ct, Pg.P(lease), Pg.P(now + TimeSpan.FromSeconds(options.Webhooks.TimeoutSeconds + 30)), Pg.P(now), Pg.P(max));
    }

    /// <summary>The request body: the event as <c>GET /events</c> answers it (<c>data</c> written as stored, not parsed again).</summary>
    private static string Body(Guid id, long sequence, string type, DateTime occurredAt, string resourceType, string resourceId, string data)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(data.Length + 256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteNumber("sequence", sequence);
            json.WriteString("type", type);
            json.WriteString("occurredAt", DateTime.SpecifyKind(occurredAt, DateTimeKind.Utc));
            json.WriteStartObject("resource");
            json.WriteString("type", resourceType);
            json.WriteString("id", resourceId);
            json.WriteEndObject();
            json.WritePropertyName("data");
            json.WriteRawValue(data, skipInputValidation: true);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private async Task AttemptAsync(DeliveryClaim claim, CancellationToken ct)
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
                var signatures = new List<string> { WebhookSecrets.Sign(claim.Secret, id, timestamp, claim.Body) };
                if (claim.PreviousSecret is not null && claim.PreviousSecretExpiresAt > now.UtcDateTime)
                {
                    signatures.Add(WebhookSecrets.Sign(claim.PreviousSecret, id, timestamp, claim.Body));
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
            await outcomes.RecordAsync(claim, code, error, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // the lease expires and another round tries again
            logger.LogWarning("Webhook delivery {DeliveryId} could not be recorded: {Reason}", claim.Id, ex.Message);
        }
        finally
        {
            slots.Release();
            freed.Release();
        }
    }

    public override void Dispose()
    {
        http.Dispose();
        slots.Dispose();
        freed.Dispose();
        base.Dispose();
    }
}

using System.Collections.Concurrent;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;

namespace Marketplace.Api.Features.Integrations.Webhooks;

/// <summary>One delivery claimed under a lease, ready to attempt (secrets already decrypted, body already serialised).</summary>
internal sealed record DeliveryClaim(long Id, Guid Lease, int Attempts, DateTime CreatedAt, int EndpointId, string Url, string Secret, string? PreviousSecret,
    DateTime? PreviousSecretExpiresAt, Guid EventId, string Body);

/// <summary>
/// Records the outcome of each attempt, only under the attempt's lease. Successes are written in
/// groups (group commit): the attempts that finish while one group is being written go together in
/// the next single UPDATE, so a busy delivery loop commits once per group instead of once per
/// delivery, and leaves the database to the requests. Each attempt waits until its outcome is stored
/// (it keeps its slot until then), so an attempt is never reported done before it is recorded.
/// Failures are rare and carry the retry and give-up rules: one transaction each.
/// </summary>
internal sealed class DeliveryOutcomes(LinqToDB.DataOptions<Db> dataOptions, TimeProvider clock, ILogger logger)
{
    private const int MaxGroup = 500;

    private sealed record Success(long Id, Guid Lease, int Code, DateTime At, TaskCompletionSource Stored);

    private readonly ConcurrentQueue<Success> pending = new();
    private int writing;

    public async Task RecordAsync(DeliveryClaim claim, int? code, string? error, CancellationToken ct)
    {
        if (code is >= 200 and < 300)
        {
            var success = new Success(claim.Id, claim.Lease, code.Value, clock.GetUtcNow().UtcDateTime, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            pending.Enqueue(success);
            await WriteSuccessesAsync(ct);
            await success.Stored.Task;
            return;
        }
        await RecordFailureAsync(claim, code, error ?? $"answered {code}", ct);
    }

    /// <summary>The first attempt to find no writer becomes it and writes groups until the queue is empty.</summary>
    private async Task WriteSuccessesAsync(CancellationToken ct)
    {
        while (!pending.IsEmpty && Interlocked.CompareExchange(ref writing, 1, 0) == 0)
        {
            try
            {
                while (!pending.IsEmpty)
                {
                    var group = new List<Success>();
                    while (group.Count < MaxGroup && pending.TryDequeue(out var next))
                    {
                        group.Add(next);
                    }
                    try
                    {
                        await WriteGroupAsync(group, ct);
                        group.ForEach(s => s.Stored.TrySetResult());
                    }
                    catch (Exception ex)
                    {
                        group.ForEach(s => s.Stored.TrySetException(ex));
                    }
                }
            }
            finally
            {
                // an outcome queued after the last look but before this release finds no writer: the loop looks again
                Volatile.Write(ref writing, 0);
            }
        }
    }

    private const string SuccessSql = """
        UPDATE marketplace.webhook_deliveries d
           SET status = 'delivered', attempts = d.attempts + 1, last_response_code = o.code, last_error = NULL,
               last_attempt_at = o.at, delivered_at = o.at, lease_id = NULL, leased_until = NULL
          FROM unnest($1::bigint[], $2::uuid[], $3::integer[], $4::timestamptz[]) AS o(id, lease, code, at)
         WHERE d.id = o.id AND d.lease_id = o.lease
        """;

    private async Task WriteGroupAsync(List<Success> group, CancellationToken ct)
    {
        await using var db = new Db(dataOptions);
        await Pg.ExecuteAsync(db, SuccessSql, ct, Pg.P(group.Select(s => s.Id).ToArray()), Pg.P(group.Select(s => s.Lease).ToArray()),
            Pg.P(group.Select(s => s.Code).ToArray()), Pg.P(group.Select(s => s.At).ToArray()));
    }

    private async Task RecordFailureAsync(DeliveryClaim claim, int? code, string error, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (error.Length > 500)
        {
            error = error[..500];
        }
        var attempts = claim.Attempts + 1;
        var next = now + WebhookDelivery.Backoff(attempts);
        var giveUp = next - claim.CreatedAt > WebhookDelivery.GiveUpAfter;
        logger.LogInformation("Webhook delivery {DeliveryId} to endpoint {EndpointId} failed (attempt {Attempts}): {Reason}", claim.Id, claim.EndpointId, attempts, error);
        await using var db = new Db(dataOptions);
        await using var tx = await db.BeginTransactionAsync(ct);
        var recorded = await db.GetTable<WebhookDeliveryRow>().Where(d => d.Id == claim.Id && d.LeaseId == claim.Lease)
            .Set(d => d.Status, giveUp ? "failed" : "pending").Set(d => d.Attempts, attempts)
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
            We could not deliver events to your webhook endpoint {owner.Url} for {WebhookDelivery.GiveUpAfter.TotalDays:0} days, so we disabled it.

            Fix the receiver, then enable the endpoint again (PATCH /webhook-endpoints/{endpointId} with "disabled": false) and retry the
            failed deliveries (POST /webhook-endpoints/{endpointId}/deliveries/<deliveryId>/retry), or read what you missed from GET /events.
            """), ct);
        logger.LogWarning("Webhook endpoint {EndpointId} disabled after {Days} days of failed deliveries", endpointId, WebhookDelivery.GiveUpAfter.TotalDays);
    }
}

using System.Globalization;
using System.Text.Json;
using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Stripe;
using Marketplace.Api.Payments;
using Stripe;

namespace Marketplace.Api.Payments.StripeEvents;

/// <summary>What one reconciliation run did.</summary>
/// <param name="Ran">false when another instance holds the run (nothing was listed)</param>
/// <param name="Since">the earliest event creation time listed</param>
/// <param name="Listed">events Stripe listed (platform and connected accounts)</param>
/// <param name="Applied">events not recorded before, now recorded and applied through the webhook's path</param>
/// <param name="AlreadyRecorded">events the webhook (or an earlier run) had recorded</param>
/// <param name="Failed">events that could not be applied now (left for the next run; the mark does not pass them)</param>
/// <param name="Mark">the stored high-water mark after the run</param>
/// <param name="TransferReversals">pending transfer reversals performed by the run's sweep</param>
public sealed record ReconciliationReport(bool Ran, DateTime? Since, int Listed, int Applied, int AlreadyRecorded, int Failed, DateTime? Mark,
    int TransferReversals, IReadOnlyList<string> AppliedEventIds);

/// <summary>
/// Catches up with the events Stripe could not deliver (our outage longer than Stripe's retries, a
/// rotated secret, a misconfigured endpoint): lists Stripe's events (<c>GET /v1/events</c>,
/// <c>created[gte]</c>, pages of 100 with <c>starting_after</c>) of the platform and of every
/// provider's connected account (<c>Stripe-Account</c>), oldest first, and feeds each one not
/// recorded yet through <see cref="Processing"/>, the webhook's own path: the effect is identical
/// and happens once whichever comes first. The high-water mark (the newest event created time
/// applied without a failure before it) is stored; the next run starts <see cref="Overlap"/> before
/// it, since an event can become listable a little after its created time. One run at a time across
/// instances: the run claims the state row (<c>claimed_until</c>). Stripe keeps events 30 days: a
/// mark older than that cannot be caught up from the events list.
/// </summary>
internal sealed class Reconciliation(Db db, StripeAccess stripe, MarketplaceOptions options, TimeProvider clock, ILogger logger)
{
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(10);

    /// <summary>Where a first run starts when no mark is stored and no --since is given.</summary>
    public static readonly TimeSpan FirstLookback = TimeSpan.FromDays(3);

    /// <summary>How long Stripe lists events (Stripe: "List all events ... going back 30 days").</summary>
    public static readonly TimeSpan StripeRetention = TimeSpan.FromDays(30);

    private static readonly TimeSpan ClaimHold = TimeSpan.FromMinutes(15);

    public async Task<ReconciliationReport> RunAsync(DateTime? since, CancellationToken ct)
    {
        stripe.EnsureConfigured();
        var now = clock.GetUtcNow().UtcDateTime;
        var claimedUntil = now + ClaimHold;
        claimedUntil = claimedUntil.AddTicks(-(claimedUntil.Ticks % 10));
        var claim = await Pg.QueryAsync(db,
            """
            UPDATE marketplace.stripe_reconciliation SET claimed_until = $1
             WHERE id = 1 AND (claimed_until IS NULL OR claimed_until < $2)
            RETURNING high_water_mark
            """,
            r => r.Get<DateTime?>(0), ct, Pg.P(claimedUntil), Pg.P(now));
        if (claim.Count == 0)
        {
            return new ReconciliationReport(false, null, 0, 0, 0, 0, null, 0, []);
        }
        var mark = claim[0];
        var from = since ?? (mark is { } m ? m - Overlap : now - FirstLookback);
        var listed = 0;
        var applied = new List<string>();
        var already = 0;
        var failed = 0;
        DateTime? newMark = mark;
        try
        {
            var events = new List<(StripeEvent Event, string Payload)>();
            foreach (var account in await AccountsAsync(ct))
            {
                events.AddRange(await ListAsync(from, account, ct));
            }
            listed = events.Count;
            DateTime? firstFailure = null;
            foreach (var (evt, payload) in events.OrderBy(e => e.Event.Created))
            {
                try
                {
                    var result = await new Processing(db, stripe, options, clock, logger).ProcessAsync(evt, payload, ct);
                    if (result.Duplicate)
                    {
                        already++;
                    }
                    else
                    {
                        applied.Add(evt.Id);
                    }
                }
                catch (Exception e) when (e is StripeException or HttpRequestException or ApiProblem or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    failed++;
                    firstFailure ??= evt.Created;
                    logger.LogWarning("Reconciliation could not apply Stripe event {EventId} ({Type}) now: {Error}", evt.Id, evt.Type, e.Message);
                }
            }
            // the mark never passes an event that failed: the next run lists it again
            var latest = events.Where(e => firstFailure is null || e.Event.Created < firstFailure).Select(e => (DateTime?)e.Event.Created).Max();
            if (latest is { } l && (newMark is null || l > newMark))
            {
                newMark = l;
            }
            if (firstFailure is null && newMark is null)
            {
                newMark = from;
            }
        }
        finally
        {
            var report = new { listed, applied = applied.Count, alreadyRecorded = already, failed, since = from };
            await Pg.ExecuteAsync(db,
                """
                UPDATE marketplace.stripe_reconciliation SET high_water_mark = $1, claimed_until = NULL, last_run_at = $2, last_report = $3
                 WHERE id = 1 AND claimed_until = $4
                """,
                CancellationToken.None, Pg.P(newMark), Pg.P(clock.GetUtcNow().UtcDateTime), Pg.Jsonb(JsonSerializer.Serialize(report)), Pg.P(claimedUntil));
        }
        var reversals = await TransferReversals.PerformPendingAsync(db, stripe, options, clock, logger, null, ct);
        return new ReconciliationReport(true, from, listed, applied.Count, already, failed, newMark, reversals, applied);
    }

    /// <summary>The platform (null) and every provider's connected account.</summary>
    private async Task<List<string?>> AccountsAsync(CancellationToken ct) =>
        [null, .. await Pg.QueryAsync(db,
            "SELECT DISTINCT stripe_connect_account_id FROM marketplace.providers WHERE stripe_connect_account_id IS NOT NULL ORDER BY 1",
            r => (string?)r.GetString(0), ct)];

    /// <summary>Every event created at or after <paramref name="from"/> of the platform or of one connected account, page by page.</summary>
    private async Task<List<(StripeEvent, string)>> ListAsync(DateTime from, string? account, CancellationToken ct)
    {
        var found = new List<(StripeEvent, string)>();
        string? after = null;
        var gte = new DateTimeOffset(DateTime.SpecifyKind(from, DateTimeKind.Utc)).ToUnixTimeSeconds();
        while (true)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"/v1/events?limit=100&created[gte]={gte}")
                       + (after is null ? "" : $"&starting_after={Uri.EscapeDataString(after)}");
            var client = (StripeClient)await stripe.ClientAsync(db);
            var response = await client.RawRequestAsync(HttpMethod.Get, path, null, new RawRequestOptions { StripeAccount = account }, ct);
            using var json = JsonDocument.Parse(response.Content);
            var data = json.RootElement.GetProperty("data");
            string? last = null;
            foreach (var listed in data.EnumerateArray())
            {
                var item = listed.Clone(); // outlives the page's document: applied after every page is listed
                last = StripeEvent.Str(item, "id");
                if (StripeEvent.Parse(item) is { } evt)
                {
                    // a connected account's event lists its account; one listed with the header lacking it still belongs to that account
                    found.Add((evt.Account is null && account is not null ? evt with { Account = account } : evt, item.GetRawText()));
                }
                else
                {
                    logger.LogWarning("Reconciliation skipped a listed Stripe event that cannot be stored ({EventId})", last ?? "unknown");
                }
            }
            if (!(json.RootElement.TryGetProperty("has_more", out var more) && more.ValueKind == JsonValueKind.True) || last is null)
            {
                return found;
            }
            after = last;
        }
    }
}

/// <summary>
/// Runs <see cref="Reconciliation"/> every Marketplace:Reconciliation:IntervalMinutes (default 10;
/// 0 turns it off) on the app's clock. Several instances may run it: the claim lets one run at a time.
/// </summary>
internal sealed class StripeReconciliationJob(IServiceScopeFactory scopes, MarketplaceOptions options, TimeProvider clock, ILogger<StripeReconciliationJob> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Reconciliation.IntervalMinutes <= 0)
        {
            return;
        }
        var interval = TimeSpan.FromMinutes(options.Reconciliation.IntervalMinutes);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, clock, stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                var report = await scope.ServiceProvider.GetRequiredService<ReconciliationRunner>().RunAsync(null, stoppingToken);
                if (report.Applied > 0 || report.Failed > 0)
                {
                    logger.LogInformation("Stripe reconciliation applied {Applied} missed events ({Failed} failed) of {Listed} listed", report.Applied, report.Failed, report.Listed);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("Stripe reconciliation failed, next try in {Interval}: {Error}", interval, DbFaults.IsUnavailable(e) ? DbFaults.Describe(e) : e.Message);
            }
        }
    }
}

/// <summary>The reconciliation as a service (the job, the command-line mode and the tests ask for it).</summary>
public sealed class ReconciliationRunner(Db db, StripeAccess stripe, MarketplaceOptions options, TimeProvider clock, ILogger<ReconciliationRunner> logger)
{
    public Task<ReconciliationReport> RunAsync(DateTime? since, CancellationToken ct) =>
        new Reconciliation(db, stripe, options, clock, logger).RunAsync(since, ct);
}

public static class ReconciliationRegistration
{
    public static IServiceCollection AddStripeReconciliation(this IServiceCollection services)
    {
        services.AddScoped<ReconciliationRunner>();
        services.AddHostedService<StripeReconciliationJob>();
        return services;
    }
}

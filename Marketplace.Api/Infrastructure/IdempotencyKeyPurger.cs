using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// Deletes Idempotency-Key rows older than Marketplace:Idempotency:RetentionHours (default 24), in
/// batches: first ten minutes after start-up (not at once: a fresh instance has other work, and
/// short-lived hosts such as the tests' never purge), then every hour. A client retries within
/// minutes; after the retention the same key simply runs as a new request. Several API instances
/// may run this at once: rows another one is deleting are skipped (SKIP LOCKED), never waited for.
/// A failed run (database down) is tried again after 1 minute, then 2, 4, ... up to the hour.
/// </summary>
internal sealed class IdempotencyKeyPurger(DataOptions<Db> dataOptions, MarketplaceOptions options, TimeProvider clock, ILogger<IdempotencyKeyPurger> logger)
    : BackgroundService
{
    private static readonly TimeSpan FirstRun = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    private const int BatchSize = 1000;

    /// <summary>The first pause after a failed run; doubled after each further failure, up to the usual <see cref="Interval"/>.</summary>
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wait = FirstRun;
        var failures = 0;
        while (true)
        {
            try
            {
                await Task.Delay(wait, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                var deleted = await PurgeAsync(stoppingToken);
                failures = 0;
                wait = Interval;
                Telemetry.JobRun("idempotency_key_purge", ok: true);
                if (deleted > 0)
                {
                    logger.LogInformation("Purged {Count} idempotency keys older than {Hours} h", deleted, options.Idempotency.RetentionHours);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Telemetry.JobRun("idempotency_key_purge", ok: false);
                // the database is down or not migrated yet: try again sooner than the next hour, backing off, one line per failure
                failures++;
                wait = TimeSpan.FromTicks(Math.Min(FirstRetry.Ticks << Math.Min(failures - 1, 20), Interval.Ticks));
                if (DbFaults.IsUnavailable(ex))
                {
                    logger.LogWarning("Purging idempotency keys failed ({Failures} in a row), next try in {Delay}: {Reason}", failures, wait, DbFaults.Describe(ex));
                }
                else
                {
                    logger.LogError(ex, "Purging idempotency keys failed ({Failures} in a row), next try in {Delay}", failures, wait);
                }
            }
        }
    }

    /// <summary>Deletes every row past the retention, batch by batch; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - TimeSpan.FromHours(options.Idempotency.RetentionHours);
        using var db = new Db(dataOptions);
        var total = 0;
        int deleted;
        do
        {
            // each batch commits on its own (autocommit): no long transaction, no lock held between batches
            deleted = await Pg.ExecuteAsync(db, """
                DELETE FROM marketplace.idempotency_keys
                 WHERE id IN (SELECT id FROM marketplace.idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                """, ct, Pg.P(cutoff), Pg.P(BatchSize));
            total += deleted;
        }
        while (deleted == BatchSize && !ct.IsCancellationRequested);
        return total;
    }
}

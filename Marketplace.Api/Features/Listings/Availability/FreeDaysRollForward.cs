using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Availability;

/// <summary>
/// Moves <see cref="FreeDays"/> forward with the calendar: every <see cref="Interval"/>, each
/// listing with a plan whose rows stop before today + <see cref="FreeDays.HorizonDays"/> (a new
/// UTC day began, or the listing predates the table) is recomputed over the whole horizon, which
/// also drops its past days. Several instances may run it: a batch claims its plans with
/// <c>FOR NO KEY UPDATE SKIP LOCKED</c> and each refresh takes the listing's advisory lock, so a
/// listing is rolled once and never against a concurrent booking. Off with
/// Marketplace:Bookings:JobEnabled=false, like the expiry job; tests call <see cref="RunOnceAsync"/>.
/// </summary>
public sealed class FreeDaysRollForward(DataOptions<Db> dataOptions, MarketplaceOptions options, TimeProvider clock, ILogger<FreeDaysRollForward> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(15);
    private const int BatchSize = 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Bookings.JobEnabled)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, clock, stoppingToken);
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Free-slot horizon roll failed, next try in {Interval}: {Reason}", Interval,
                    DbFaults.IsUnavailable(ex) ? DbFaults.Describe(ex) : ex.Message);
            }
        }
    }

    /// <summary>Rolls every listing that is behind; returns how many were recomputed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var total = 0;
        for (int n; (n = await RollBatchAsync(ct)) > 0;)
        {
            total += n;
        }
        return total;
    }

    private async Task<int> RollBatchAsync(CancellationToken ct)
    {
        await using var db = new Db(dataOptions);
        return await db.InTransactionAsync(async c =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var target = DateTime.SpecifyKind(now.Date, DateTimeKind.Utc).AddDays(FreeDays.HorizonDays + 1);
            var ids = await Pg.QueryAsync(db, """
                SELECT a.listing_id FROM marketplace.listing_availability a
                  LEFT JOIN marketplace.listing_free_day_horizon h ON h.listing_id = a.listing_id
                 WHERE h.covered_until IS NULL OR h.covered_until < $1
                 ORDER BY a.listing_id LIMIT $2
                   FOR NO KEY UPDATE OF a SKIP LOCKED
                """, r => r.GetInt32(0), c, Pg.P(target), Pg.P(BatchSize));
            foreach (var id in ids)
            {
                await FreeDays.RefreshAsync(db, id, now, c);
            }
            return ids.Count;
        }, ct);
    }
}

using System.Globalization;
using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers;

/// <summary>
/// The quickResponder badge, computed from messaging once a day (the other two badges are set by
/// operators). The rule: over the last 30 days, take each thread whose client's first message falls
/// in that window; its response time runs from that message to the provider's first message after
/// it, and a thread still unanswered counts as slower than any answer. A provider qualifies with at
/// least <see cref="MinimumThreads"/> such threads and a median response time under one hour (the
/// lower middle value for an even count). Providers that no longer qualify lose the badge.
/// <para>Several API instances may run it: the recomputation takes a transaction-level advisory
/// lock and an instance that does not get it skips that run (another one is doing the same work);
/// only changed providers are written, so a second run on the same day changes nothing. First run
/// ten minutes after start-up, then every 24 hours on the app's <see cref="TimeProvider"/>; a failed
/// run is tried again after 5 minutes, one log line per failure.</para>
/// </summary>
public sealed class QuickResponderBadge(DataOptions<Db> dataOptions, TimeProvider clock, ILogger<QuickResponderBadge> logger) : BackgroundService
{
    public const int MinimumThreads = 5;
    public static readonly TimeSpan Window = TimeSpan.FromDays(30);
    public static readonly TimeSpan MedianUnder = TimeSpan.FromHours(1);
    public static readonly TimeSpan FirstRun = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);
    private static readonly TimeSpan Retry = TimeSpan.FromMinutes(5);

    /// <summary>The advisory lock key of this job (any fixed bigint unique to it).</summary>
    private const long LockKey = 0x5155_4943_4b52_5350; // "QUICKRSP"

    private TaskCompletionSource<int> runCompleted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next scheduled run finishes, with the number of providers it changed (tests watch the schedule).</summary>
    public Task<int> NextRunCompleted => runCompleted.Task;

    private DateTimeOffset startedAt;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // ExecuteAsync may start later on the thread pool: the first run is due ten minutes after this moment, not after that
        startedAt = clock.GetUtcNow();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var firstWait = startedAt + FirstRun - clock.GetUtcNow();
        var next = Task.Delay(firstWait > TimeSpan.Zero ? firstWait : TimeSpan.Zero, clock, stoppingToken);
        while (true)
        {
            try
            {
                await next;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            int? changed = null;
            TimeSpan wait;
            try
            {
                changed = await RecomputeAsync(stoppingToken) ?? 0;
                wait = Interval;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                wait = Retry;
                logger.LogWarning("Recomputing the quickResponder badge failed, next try in {Delay}: {Reason}", wait, DbFaults.Describe(ex));
            }
            // the next run is scheduled before anyone hears of this one, so a clock moved on by then reaches it
            next = Task.Delay(wait, clock, stoppingToken);
            if (changed is { } count)
            {
                Interlocked.Exchange(ref runCompleted, new(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult(count);
            }
        }
    }

    /// <summary>One recomputation at the clock's now; the number of providers changed, or null when another instance holds the lock.</summary>
    public async Task<int?> RecomputeAsync(CancellationToken ct)
    {
        using var db = new Db(dataOptions);
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.InTransactionAsync<int?>(async c =>
        {
            var locked = (await Pg.QueryAsync(db, "SELECT pg_try_advisory_xact_lock($1)", r => r.GetBoolean(0), c, Pg.P(LockKey)))[0];
            if (!locked)
            {
                return null;
            }
            var changed = await Pg.QueryAsync(db, """
                WITH asked AS (
                    SELECT t.id, t.provider_id, min(m.created_at) AS asked_at
                      FROM marketplace.message_threads t
                      JOIN marketplace.messages m ON m.thread_id = t.id AND m.sender_id = t.client_id
                     WHERE t.last_message_at >= $1
                     GROUP BY t.id, t.provider_id
                    HAVING min(m.created_at) >= $1 AND min(m.created_at) < $2
                ), answered AS (
                    SELECT a.provider_id,
                           COALESCE(EXTRACT(EPOCH FROM (
                               SELECT min(m.created_at) FROM marketplace.messages m
                                WHERE m.thread_id = a.id AND m.sender_id = p.user_id AND m.created_at >= a.asked_at) - a.asked_at),
                               1e12) AS seconds
                      FROM asked a JOIN marketplace.providers p ON p.id = a.provider_id
                ), stats AS (
                    SELECT provider_id, count(*) AS threads, percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) AS median
                      FROM answered GROUP BY provider_id
                )
                UPDATE marketplace.providers p
                   SET quick_responder = q.qualifies, updated_at = $2
                  FROM (SELECT p2.id, COALESCE(s.threads >= $3 AND s.median < $4, false) AS qualifies
                          FROM marketplace.providers p2 LEFT JOIN stats s ON s.provider_id = p2.id
                         WHERE p2.deleted_at IS NULL) q
                 WHERE p.id = q.id AND p.quick_responder <> q.qualifies
                RETURNING p.id, p.user_id, p.quick_responder
                """, r => (Id: r.GetInt32(0), UserId: r.GetInt32(1), Quick: r.GetBoolean(2)), c,
                Pg.P(now - Window), Pg.P(now), Pg.P((long)MinimumThreads), Pg.P((decimal)MedianUnder.TotalSeconds));
            foreach (var p in changed)
            {
                await Audit.WriteAsync(db, clock, new AuditEntry("provider", p.Id, "quick_responder_recomputed", null, null, null, "system",
                    new { quickResponder = p.Quick }), c);
                await DomainEvents.AppendAsync(db, clock, new DomainEvent(EventTypes.ProviderBadgesChanged, "provider", p.Id.ToString(CultureInfo.InvariantCulture),
                    await ProviderProfile.LoadAsync(db, p.Id, c) ?? (object)new { id = p.Id }, [p.UserId]), c);
            }
            return changed.Count;
        }, ct);
    }
}

internal static class QuickResponderBadgeRegistration
{
    public static IServiceCollection AddQuickResponderBadge(this IServiceCollection services)
    {
        services.AddSingleton<QuickResponderBadge>();
        services.AddHostedService(sp => sp.GetRequiredService<QuickResponderBadge>());
        return services;
    }
}

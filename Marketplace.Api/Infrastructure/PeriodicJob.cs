namespace Marketplace.Api.Infrastructure;

/// <summary>
/// A background job that runs one round every <see cref="Interval"/> (DESIGN round 2): it waits on
/// the <see cref="TimeProvider"/>, so tests move the clock instead of sleeping; a failed round is
/// one log line (no stack trace when the database is merely unavailable, <see cref="DbFaults"/>)
/// and is tried again at the next interval; every round is counted in the job-runs metric. A round
/// must be safe with several API instances running it at once (claim with SKIP LOCKED or an
/// advisory lock).
/// </summary>
internal abstract class PeriodicJob(TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>The clock the job waits on and reads "now" from.</summary>
    protected TimeProvider Clock { get; } = clock;

    /// <summary>The job's name in logs and in the <c>marketplace.jobs.runs</c> metric.</summary>
    protected abstract string Name { get; }

    protected abstract TimeSpan Interval { get; }

    protected abstract Task RunOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (true)
        {
            try
            {
                await Task.Delay(Interval, Clock, stoppingToken);
                await RunOnceAsync(stoppingToken);
                failures = 0;
                Telemetry.JobRun(Name, ok: true);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                Telemetry.JobRun(Name, ok: false);
                if (DbFaults.IsUnavailable(ex))
                {
                    logger.LogWarning("Job {Job} failed ({Failures} in a row), next try in {Interval}: {Reason}", Name, failures, Interval, DbFaults.Describe(ex));
                }
                else
                {
                    logger.LogError(ex, "Job {Job} failed ({Failures} in a row), next try in {Interval}", Name, failures, Interval);
                }
            }
        }
    }
}

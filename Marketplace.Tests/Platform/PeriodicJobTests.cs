using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Marketplace.Tests.Platform;

public sealed class PeriodicJobTests
{
    [Fact]
    public async Task A_periodic_job_runs_when_the_clock_passes_its_interval_and_not_before()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T12:00:00Z"));
        using var logs = new LogCapture();
        var job = new CountingJob(clock, logs.CreateLogger("job"), fail: null);
        await job.StartAsync(CancellationToken.None);

        await Task.Delay(200);
        clock.Advance(TimeSpan.FromMinutes(4));
        await Task.Delay(200);
        Assert.Equal(0, job.Runs);
        await AdvanceUntilAsync(clock, () => job.Runs == 1);
        await AdvanceUntilAsync(clock, () => job.Runs == 2);

        await job.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_round_that_finds_the_database_down_is_one_warning_line_without_a_stack_and_the_job_goes_on()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T12:00:00Z"));
        using var logs = new LogCapture();
        var down = new Npgsql.NpgsqlException("Failed to connect to 127.0.0.1:1", new System.Net.Sockets.SocketException(111));
        var job = new CountingJob(clock, logs.CreateLogger("job"), fail: down);
        await job.StartAsync(CancellationToken.None);

        await AdvanceUntilAsync(clock, () => job.Runs == 1 && logs.Lines.Count == 1);
        await AdvanceUntilAsync(clock, () => job.Runs == 2 && logs.Lines.Count == 2);

        Assert.All(logs.Lines, line =>
        {
            Assert.StartsWith("Warning job: Job counting failed", line);
            Assert.DoesNotContain("   at ", line);
            Assert.Single(line.Split('\n'));
        });
        await job.StopAsync(CancellationToken.None);
    }

    /// <summary>
    /// The job registers its timer on a thread of its own (BackgroundService), so the clock is moved a
    /// minute at a time until the job has done what is expected (never more than one round per interval).
    /// </summary>
    private static async Task AdvanceUntilAsync(FakeTimeProvider clock, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the job did not run in time");
            clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(20);
        }
    }

    private sealed class CountingJob(TimeProvider clock, ILogger logger, Exception? fail) : PeriodicJob(clock, logger)
    {
        private int runs;

        public int Runs => Volatile.Read(ref runs);

        protected override string Name => "counting";

        protected override TimeSpan Interval => TimeSpan.FromMinutes(5);

        protected override Task RunOnceAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref runs);
            return fail is null ? Task.CompletedTask : Task.FromException(fail);
        }
    }
}

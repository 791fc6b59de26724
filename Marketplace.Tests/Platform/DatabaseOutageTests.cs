using System.Net;
using LinqToDB;
using LinqToDB.DataProvider.PostgreSQL;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Email;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Marketplace.Tests.Platform;

/// <summary>
/// The database cannot be reached (nothing listens on its port): requests answer 503 with
/// Retry-After instead of 500, and the background jobs back off and log one line per failure.
/// </summary>
public sealed class DatabaseOutageTests(AppFixture app) : IClassFixture<AppFixture>
{
    /// <summary>A connection string to a port where nothing listens (connection refused at once).</summary>
    private static string Unreachable() => new Npgsql.NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString)
    {
        Host = "127.0.0.1",
        Port = AppFixture.FreePort(),
        Database = "marketplace",
        Timeout = 2,
    }.ConnectionString;

    [Fact]
    public async Task Requests_answer_503_service_unavailable_with_Retry_After_while_the_database_is_unreachable()
    {
        var logs = new LogCapture();
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["ConnectionStrings:Marketplace"] = Unreachable() })
            .WithWebHostBuilder(b => b.ConfigureServices(s => s.AddLogging(l => l.AddProvider(logs))));
        var client = host.CreateClient();

        foreach (var call in new Func<Task<HttpResponseMessage>>[]
        {
            () => client.GetAsync($"{TestBookings.Api}/listings"),
            () => client.PostJson($"{TestBookings.Api}/auth/login", new { email = "someone@example.test", password = "Some-Password-1" }),
        })
        {
            using var response = await call();
            await response.AssertProblem(HttpStatusCode.ServiceUnavailable, "service_unavailable");
            Assert.Equal(TimeSpan.FromSeconds(DbFaults.RetryAfterSeconds), response.Headers.RetryAfter?.Delta);
        }

        var lines = logs.Lines.Where(l => l.Contains("Database unavailable", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.DoesNotContain("\n", l.TrimEnd(), StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("Unhandled exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_outbox_dispatcher_backs_off_and_logs_one_line_per_failed_round_while_the_database_is_down()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new LogCapture();
        using var logging = LoggerFactory.Create(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var options = new MarketplaceOptions { Smtp = new MarketplaceOptions.SmtpOptions { PollMilliseconds = 1000 } };
        var dispatcher = new OutboxDispatcher(Options(Unreachable()), options, clock,
            new HostingEnvironment { ContentRootPath = Path.GetTempPath(), EnvironmentName = "Testing" }, new OutboxSignal(), logging.CreateLogger<OutboxDispatcher>());

        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            // each failed round waits twice as long as the one before (1 s poll: 2, 4, 8, 16 s), on the clock, not in real time
            var expected = new[] { 2, 4, 8, 16 };
            for (var round = 0; round < expected.Length; round++)
            {
                var failures = await LinesAsync(logs, "E-mail outbox round failed", round + 1);
                Assert.Contains($"next try in {TimeSpan.FromSeconds(expected[round])}", failures[round], StringComparison.Ordinal);
                await Task.Delay(100); // the line is written just before the wait's timer is set

                // not a moment before its time
                clock.Advance(TimeSpan.FromSeconds(expected[round]) - TimeSpan.FromMilliseconds(10));
                await Task.Delay(100);
                Assert.Equal(round + 1, Failures(logs, "E-mail outbox round failed").Count);
                clock.Advance(TimeSpan.FromMilliseconds(10));
            }
            var lines = await LinesAsync(logs, "E-mail outbox round failed", expected.Length + 1);
            AssertOneLineEach(lines);
            Assert.Equal(OutboxDispatcher.LongestBackoff, OutboxDispatcher.Backoff(TimeSpan.FromSeconds(1), 40));
        }
        finally
        {
            await dispatcher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task The_idempotency_key_purger_retries_sooner_with_backoff_and_one_line_per_failure()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new LogCapture();
        using var logging = LoggerFactory.Create(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var purger = new IdempotencyKeyPurger(Options(Unreachable()), new MarketplaceOptions(), clock, logging.CreateLogger<IdempotencyKeyPurger>());

        await purger.StartAsync(CancellationToken.None);
        try
        {
            await Task.Delay(50);
            clock.Advance(TimeSpan.FromMinutes(10)); // the first run
            foreach (var (round, minutes) in new[] { (1, 1), (2, 2), (3, 4) })
            {
                var failures = await LinesAsync(logs, "Purging idempotency keys failed", round);
                Assert.Contains($"next try in {TimeSpan.FromMinutes(minutes)}", failures[round - 1], StringComparison.Ordinal);
                await Task.Delay(100); // the line is written just before the wait's timer is set
                clock.Advance(TimeSpan.FromMinutes(minutes));
            }
            AssertOneLineEach(await LinesAsync(logs, "Purging idempotency keys failed", 4));
        }
        finally
        {
            await purger.StopAsync(CancellationToken.None);
        }
    }

    private static DataOptions<Db> Options(string connectionString) =>
        new(new DataOptions().UsePostgreSQL(connectionString, PostgreSQLVersion.v15));

    private static List<string> Failures(LogCapture logs, string text) =>
        [.. logs.Lines.Where(l => l.Contains(text, StringComparison.Ordinal))];

    /// <summary>Waits (in real time, briefly) until the job has logged <paramref name="count"/> failures.</summary>
    private static async Task<List<string>> LinesAsync(LogCapture logs, string text, int count)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (Failures(logs, text).Count < count && System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }
        var lines = Failures(logs, text);
        Assert.True(lines.Count >= count, $"expected {count} failure lines, got: {string.Join(" | ", lines)}");
        return lines;
    }

    /// <summary>A connection failure is one line: a warning with what failed, no stack trace.</summary>
    private static void AssertOneLineEach(List<string> lines) => Assert.All(lines, l =>
    {
        Assert.StartsWith("Warning ", l, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", l.TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", l, StringComparison.Ordinal);
    });
}

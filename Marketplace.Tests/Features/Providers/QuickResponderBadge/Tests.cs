using LinqToDB;
using LinqToDB.Async;
using LinqToDB.DataProvider.PostgreSQL;
using Marketplace.Api.Data;
using Marketplace.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Job = Marketplace.Api.Features.Providers.QuickResponderBadge;

namespace Marketplace.Tests.Features.Providers.QuickResponderBadge;

/// <summary>The daily quickResponder job, on a database of its own (it recomputes every provider) and a clock the test moves.</summary>
public sealed class Tests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private string cs = "";

    public async Task InitializeAsync() => cs = await TestDatabase.CreateMigratedAsync("quickresponder");

    public Task DisposeAsync() => TestDatabase.DropAsync(cs);

    private DataOptions<Db> Options => new(new DataOptions().UsePostgreSQL(cs, PostgreSQLVersion.v15));

    private Db Db() => new(Options);

    private async Task<int> UserAsync(Db db)
    {
        var now = Now.UtcDateTime;
        return await db.InsertWithInt32IdentityAsync(new UserRow { Email = $"u{Guid.NewGuid():N}@example.test", PasswordHash = "x", CreatedAt = now, UpdatedAt = now });
    }

    /// <summary>A provider whose clients asked <paramref name="ago"/> before now, answered after each of <paramref name="replies"/> (null: never).</summary>
    private async Task<int> ProviderAsync(TimeSpan ago, params TimeSpan?[] replies)
    {
        using var db = Db();
        var owner = await UserAsync(db);
        var now = Now.UtcDateTime;
        var id = await db.InsertWithInt32IdentityAsync(new ProviderRow
        {
            UserId = owner, ProviderType = "service_provider", BusinessName = "P", PaymentMode = "manual", Status = "active", CreatedAt = now, UpdatedAt = now,
        });
        foreach (var reply in replies)
        {
            var client = await UserAsync(db);
            var asked = now - ago;
            var thread = await db.InsertWithInt32IdentityAsync(new MessageThreadRow
            {
                ClientId = client, ProviderId = id, Status = "open", CreatedAt = asked, UpdatedAt = asked, LastMessageAt = reply is null ? asked : asked + reply,
            });
            await db.InsertAsync(new MessageRow { ThreadId = thread, SenderId = client, Body = "Hello?", CreatedAt = asked });
            if (reply is { } r)
            {
                await db.InsertAsync(new MessageRow { ThreadId = thread, SenderId = owner, Body = "Hi!", CreatedAt = asked + r });
            }
        }
        return id;
    }

    private async Task<bool> QuickAsync(int providerId)
    {
        using var db = Db();
        return await db.Providers.Where(p => p.Id == providerId).Select(p => p.QuickResponder).SingleAsync();
    }

    private static readonly TimeSpan Fast = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan Slow = TimeSpan.FromHours(3);

    [Fact]
    public async Task The_badge_goes_to_a_median_reply_under_an_hour_over_at_least_five_client_threads_of_the_last_30_days()
    {
        var days = TimeSpan.FromDays(2);
        var quick = await ProviderAsync(days, Fast, Fast, Fast, Slow, null);             // median: fast
        var slow = await ProviderAsync(days, Fast, Fast, Slow, Slow, null);              // median: slow
        var few = await ProviderAsync(days, Fast, Fast, Fast, Fast);                     // only 4 threads
        var unanswered = await ProviderAsync(days, Fast, Fast, null, null, null);        // median: never
        var old = await ProviderAsync(TimeSpan.FromDays(31), Fast, Fast, Fast, Fast, Fast);
        using (var db = Db())
        {
            await db.Providers.Where(p => p.Id == few).Set(p => p.QuickResponder, true).UpdateAsync(); // loses a badge it no longer earns
        }
        var clock = new FakeTimeProvider(Now);
        var job = new Job(Options, clock, NullLogger<Job>.Instance);

        Assert.Equal(2, await job.RecomputeAsync(CancellationToken.None));

        Assert.True(await QuickAsync(quick));
        Assert.False(await QuickAsync(slow));
        Assert.False(await QuickAsync(few));
        Assert.False(await QuickAsync(unanswered));
        Assert.False(await QuickAsync(old));
        Assert.Equal(0, await job.RecomputeAsync(CancellationToken.None)); // nothing changes twice

        // 29 days on, the threads have left the window
        clock.Advance(TimeSpan.FromDays(29));
        Assert.Equal(1, await job.RecomputeAsync(CancellationToken.None));
        Assert.False(await QuickAsync(quick));
        using var check = Db();
        Assert.Equal(2, await check.AuditLog.CountAsync(a => a.EntityType == "provider" && a.EntityId == quick && a.Action == "quick_responder_recomputed"));
    }

    [Fact]
    public async Task Several_instances_at_once_change_each_provider_once()
    {
        var quick = await ProviderAsync(TimeSpan.FromDays(1), Fast, Fast, Fast, Fast, Fast);
        var clock = new FakeTimeProvider(Now);
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => new Job(Options, clock, NullLogger<Job>.Instance).RecomputeAsync(CancellationToken.None))));
        Assert.Equal(1, results.Sum(r => r ?? 0));
        Assert.True(await QuickAsync(quick));
        using var db = Db();
        Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityId == quick && a.Action == "quick_responder_recomputed"));
    }

    [Fact]
    public async Task The_job_runs_ten_minutes_after_start_and_then_every_day_on_the_apps_clock()
    {
        var quick = await ProviderAsync(TimeSpan.FromHours(2), Fast, Fast, Fast, Fast, Fast);
        var clock = new FakeTimeProvider(Now);
        var logs = new LogCapture();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        using var job = new Job(Options, clock, loggers.CreateLogger<Job>());
        var first = job.NextRunCompleted;
        await job.StartAsync(CancellationToken.None);

        clock.Advance(TimeSpan.FromMinutes(9));
        Assert.False(first.IsCompleted);
        clock.Advance(TimeSpan.FromMinutes(1));
        // ExecuteAsync registers its timer on a thread of its own (BackgroundService): a registration that read the clock
        // just before the move above is due a little later, so the clock goes on a minute at a time (never before ten
        // minutes); and a run that failed on the shared database (its one UPDATE meets every other test's providers: a
        // deadlock with one of them is retried after 5 minutes, as in production) is reached by going on past that retry
        for (var extra = 0; extra < 12 && await Task.WhenAny(first, Task.Delay(TimeSpan.FromSeconds(2))) != first; extra++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
        }
        Assert.True(await Task.WhenAny(first, Task.Delay(TimeSpan.FromSeconds(30))) == first,
            "the first run did not complete; the job logged: " + string.Join(" | ", logs.Lines));
        Assert.Equal(1, await first);
        Assert.True(await QuickAsync(quick));

        var second = job.NextRunCompleted;
        clock.Advance(TimeSpan.FromDays(31)); // the daily run comes due and finds the threads out of the window
        Assert.Equal(1, await second.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(await QuickAsync(quick));
        await job.StopAsync(CancellationToken.None);
    }
}

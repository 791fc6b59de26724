using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Marketplace.Tests.Platform;

/// <summary>The Idempotency-Key store against the real database (the HTTP behaviour is tested with book, pay and refund).</summary>
public sealed class IdempotencyTests(AppFixture app) : IClassFixture<AppFixture>
{
    private sealed record Body(int Id, string Text);

    /// <summary>For a connection the test kills: never returned to a pool that another test could draw it from.</summary>
    private string Unpooled => new Npgsql.NpgsqlConnectionStringBuilder(app.ConnectionString) { Pooling = false }.ConnectionString;

    private Idempotency New(Marketplace.Api.Data.Db db) =>
        new(db, TimeProvider.System, Options.Create(new Microsoft.AspNetCore.Http.Json.JsonOptions()));

    [Fact]
    public async Task Concurrent_first_requests_with_one_key_run_the_action_exactly_once_and_all_get_its_answer()
    {
        var user = await app.CreateAsync();
        var runs = 0;
        var release = new TaskCompletionSource();
        var dbs = Enumerable.Range(0, 6).Select(_ => app.Db()).ToList();
        try
        {
            var calls = dbs.Select(db => Task.Run(() => New(db).RunAsync("key-1", "test", user.Id, new Body(1, "a"), async _ =>
            {
                Interlocked.Increment(ref runs);
                await release.Task;
                return (201, new Body(42, "made"));
            }, CancellationToken.None))).ToList();
            await Task.Delay(200); // let every call reach the store; the first holds the key meanwhile
            release.SetResult();
            var answers = await Task.WhenAll(calls);

            Assert.Equal(1, runs);
            Assert.All(answers, a => Assert.Equal(201, a.Status));
            Assert.Single(answers, a => a.Body is not null);
            Assert.All(answers.Where(a => a.Body is null), a => Assert.Contains("\"id\":42", a.ReplayedJson, StringComparison.Ordinal));
        }
        finally
        {
            dbs.ForEach(d => d.Dispose());
        }
    }

    [Fact]
    public async Task The_same_key_with_another_request_is_409_idempotency_key_reused()
    {
        var user = await app.CreateAsync();
        using var db = app.Db();
        await New(db).RunAsync("key-2", "test", user.Id, new Body(1, "a"), _ => Task.FromResult((200, new Body(1, "a"))), CancellationToken.None);

        var problem = await Assert.ThrowsAsync<ApiProblem>(() =>
            New(db).RunAsync("key-2", "test", user.Id, new Body(1, "b"), _ => Task.FromResult((200, new Body(1, "b"))), CancellationToken.None));
        Assert.Equal((409, "idempotency_key_reused"), (problem.Status, problem.Code));

        // another user, or another route, has its own keys
        var other = await app.CreateAsync();
        var answer = await New(db).RunAsync("key-2", "test", other.Id, new Body(1, "b"), _ => Task.FromResult((200, new Body(7, "b"))), CancellationToken.None);
        Assert.Equal(7, answer.Body!.Id);
    }

    [Fact]
    public async Task A_refusal_is_stored_and_replayed_but_a_failure_releases_the_key()
    {
        var user = await app.CreateAsync();
        using var db = app.Db();
        var runs = 0;
        Task<(int, Body)> Refuse(IdempotencyScope _)
        {
            runs++;
            throw ApiProblem.Conflict("invoice_already_paid", "paid");
        }
        await Assert.ThrowsAsync<ApiProblem>(() => New(db).RunAsync("key-3", "test", user.Id, new Body(1, "a"), Refuse, CancellationToken.None));
        var replayed = await Assert.ThrowsAsync<ApiProblem>(() => New(db).RunAsync("key-3", "test", user.Id, new Body(1, "a"), Refuse, CancellationToken.None));
        Assert.Equal((1, 409, "invoice_already_paid"), (runs, replayed.Status, replayed.Code));

        await Assert.ThrowsAsync<InvalidOperationException>(() => New(db).RunAsync<Body>("key-4", "test", user.Id, new Body(1, "a"),
            _ => throw new InvalidOperationException("Stripe is down"), CancellationToken.None));
        Assert.False(await db.IdempotencyKeys.AnyAsync(k => k.UserId == user.Id && k.Key == "key-4"));
        var retried = await New(db).RunAsync("key-4", "test", user.Id, new Body(1, "a"), _ => Task.FromResult((200, new Body(9, "ok"))), CancellationToken.None);
        Assert.Equal(9, retried.Body!.Id);
    }

    [Fact]
    public async Task A_live_first_request_still_holds_its_key_and_one_that_died_gives_it_up_at_once()
    {
        var user = await app.CreateAsync();
        var body = new Body(1, "a");
        var hash = Idempotency.RequestHash("test", body);
        // the first request: it holds the key's lock on its connection and has not answered yet
        var owner = new Npgsql.NpgsqlConnection(Unpooled);
        await owner.OpenAsync();
        await using (var take = new Npgsql.NpgsqlCommand("""
            WITH locked AS (SELECT pg_advisory_lock($1))
            INSERT INTO marketplace.idempotency_keys (user_id, route, idempotency_key, request_hash, created_at) SELECT $2, 'test', 'key-live', $3, now() FROM locked
            """, owner) { Parameters = { new() { Value = Idempotency.LockId(user.Id, "test", "key-live") }, new() { Value = user.Id }, new() { Value = hash } } })
        {
            await take.ExecuteNonQueryAsync();
        }
        using var db = app.Db();
        var runs = 0;
        Task<(int, Body)> Run(IdempotencyScope _)
        {
            runs++;
            return Task.FromResult((201, new Body(5, "made")));
        }
        var waiting = new Idempotency(db, TimeProvider.System, Options.Create(new Microsoft.AspNetCore.Http.Json.JsonOptions())) { WaitForFirst = TimeSpan.FromMilliseconds(300) };

        // alive: the retry waits, then is told the request is in progress; the action never runs
        var problem = await Assert.ThrowsAsync<ApiProblem>(() => waiting.RunAsync("key-live", "test", user.Id, body, Run, CancellationToken.None));
        Assert.Equal((409, "idempotency_request_in_progress", 0), (problem.Status, problem.Code, runs));

        // killed (its backend terminated, as when its instance dies): the next retry runs at once
        await using (var admin = new Npgsql.NpgsqlConnection(app.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new Npgsql.NpgsqlCommand($"SELECT pg_terminate_backend({owner.ProcessID}, 5000)", admin);
            await kill.ExecuteNonQueryAsync();
        }
        await owner.DisposeAsync();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var answer = await waiting.RunAsync("key-live", "test", user.Id, body, Run, CancellationToken.None);
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromMilliseconds(300), "taken over without waiting");
        Assert.Equal((201, 5, 1), (answer.Status, answer.Body!.Id, runs));
        var row = await db.IdempotencyKeys.SingleAsync(k => k.UserId == user.Id && k.Key == "key-live");
        Assert.Equal(201, row.ResponseStatus);
    }
    [Fact]
    public async Task A_keyed_booking_whose_first_request_died_is_taken_over_by_the_retry_at_once()
    {
        // the first request took the key (its row, in progress) and its process was killed (kill -9): its
        // connection is gone, so nothing holds the key any more; the retry must not wait for it
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var client = await app.CreateAsync();
        var key = Guid.NewGuid().ToString();
        const string route = "POST transactions";
        var hash = Idempotency.RequestHash(route, new Marketplace.Api.Features.Transactions.Book.Request { ListingId = listingId });
        await using (var owner = new Npgsql.NpgsqlConnection(Unpooled))
        {
            await owner.OpenAsync();
            await using var take = new Npgsql.NpgsqlCommand("""
                WITH locked AS (SELECT pg_advisory_lock($1))
                INSERT INTO marketplace.idempotency_keys (user_id, route, idempotency_key, request_hash, created_at) SELECT $2, $3, $4, $5, now() FROM locked
                """, owner)
            {
                Parameters = { new() { Value = Idempotency.LockId(client.Id, route, key) }, new() { Value = client.Id }, new() { Value = route }, new() { Value = key }, new() { Value = hash } },
            };
            await take.ExecuteNonQueryAsync();
            await using var kill = new Npgsql.NpgsqlConnection(app.ConnectionString);
            await kill.OpenAsync();
            await using var terminate = new Npgsql.NpgsqlCommand($"SELECT pg_terminate_backend({owner.ProcessID})", kill);
            await terminate.ExecuteNonQueryAsync();
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var retry = await app.Client(client.AccessToken).PostJsonWithKey($"{TestBookings.Api}/transactions", new { listingId }, key);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        var json = await retry.AssertJson(System.Net.HttpStatusCode.Created);
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"the retry waited {elapsed} for a dead request");
        // and a second retry replays that answer
        var replay = await app.Client(client.AccessToken).PostJsonWithKey($"{TestBookings.Api}/transactions", new { listingId }, key);
        Assert.Equal(json.GetProperty("id").GetInt64(), (await replay.AssertJson(System.Net.HttpStatusCode.Created)).GetProperty("id").GetInt64());
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        using var db = app.Db();
        Assert.Equal(1, await db.Transactions.CountAsync(t => t.ClientId == client.Id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("naïve")]
    public async Task A_malformed_key_is_400_invalid_idempotency_key(string key)
    {
        using var db = app.Db();
        var problem = await Assert.ThrowsAsync<ApiProblem>(() =>
            New(db).RunAsync(key, "test", 1, new Body(1, "a"), _ => Task.FromResult((200, new Body(1, "a"))), CancellationToken.None));
        Assert.Equal((400, "invalid_idempotency_key"), (problem.Status, problem.Code));
    }

    [Fact]
    public async Task Keys_older_than_the_retention_are_purged_in_batches_and_recent_ones_kept()
    {
        var user = await app.CreateAsync();
        using var db = app.Db();
        // 2,500 past the default 24 h (every other one abandoned: never completed), 3 still within it
        await db.ExecuteAsync($$"""
            INSERT INTO marketplace.idempotency_keys (user_id, route, idempotency_key, request_hash, response_status, response_body, created_at, completed_at)
            SELECT {{user.Id}}, 'test', 'old-' || g, 'h', CASE WHEN g % 2 = 0 THEN 201 END, CASE WHEN g % 2 = 0 THEN '{}' END,
                   now() - interval '25 hours', CASE WHEN g % 2 = 0 THEN now() - interval '25 hours' END
              FROM generate_series(1, 2500) g;
            INSERT INTO marketplace.idempotency_keys (user_id, route, idempotency_key, request_hash, created_at)
            SELECT {{user.Id}}, 'test', 'recent-' || g, 'h', now() - interval '23 hours' FROM generate_series(1, 3) g;
            """);
        var purger = new IdempotencyKeyPurger(app.Factory.Services.GetRequiredService<DataOptions<Marketplace.Api.Data.Db>>(), new MarketplaceOptions(),
            TimeProvider.System, NullLogger<IdempotencyKeyPurger>.Instance);

        Assert.True(await purger.PurgeAsync(CancellationToken.None) >= 2500); // other test classes' rows are all recent
        var left = await db.IdempotencyKeys.Where(k => k.UserId == user.Id).Select(k => k.Key).ToListAsync();
        Assert.Equal(["recent-1", "recent-2", "recent-3"], left.Order());
    }
}

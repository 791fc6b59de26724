using LinqToDB.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Platform;

/// <summary>The transaction helper every multi-row write runs in: deadlocks and serialization failures are retried, boundedly.</summary>
public sealed class DbTransactionsTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Two_transactions_that_deadlock_both_complete_the_victim_being_run_again()
    {
        // two locks taken in opposite orders, both first locks held before either asks for its second: PostgreSQL aborts one (40P01)
        var first = Random.Shared.NextInt64();
        var second = first + 1;
        var bothHoldOne = new Barrier(2);
        var runs = 0;
        async Task<bool> Work(Marketplace.Api.Data.Db db, long a, long b, CancellationToken ct)
        {
            var run = Interlocked.Increment(ref runs);
            await db.ExecuteAsync("SELECT pg_advisory_xact_lock(@k)", ct, new DataParameter("k", a));
            if (run <= 2)
            {
                await Task.Run(() => bothHoldOne.SignalAndWait(TimeSpan.FromSeconds(10)), ct);
            }
            await db.ExecuteAsync("SELECT pg_advisory_xact_lock(@k)", ct, new DataParameter("k", b));
            return true;
        }
        using var one = app.Db();
        using var other = app.Db();

        var done = await Task.WhenAll(
            Task.Run(() => one.InTransactionAsync(ct => Work(one, first, second, ct), CancellationToken.None)),
            Task.Run(() => other.InTransactionAsync(ct => Work(other, second, first, ct), CancellationToken.None)));

        Assert.Equal([true, true], done);
        Assert.Equal(3, runs);
    }

    [Fact]
    public async Task Work_that_keeps_failing_to_serialize_is_tried_three_times_then_answers_409_concurrent_change()
    {
        using var db = app.Db();
        var runs = 0;

        var problem = await Assert.ThrowsAsync<ApiProblem>(() => db.InTransactionAsync(async ct =>
        {
            runs++;
            await db.ExecuteAsync("DO $$ BEGIN RAISE EXCEPTION 'lost' USING ERRCODE = 'serialization_failure'; END $$", ct);
        }, CancellationToken.None));

        Assert.Equal((409, "concurrent_change", DbTransactions.Attempts), (problem.Status, problem.Code, runs));
    }

    [Fact]
    public async Task Any_other_failure_is_not_retried_and_rolls_the_work_back()
    {
        using var db = app.Db();
        var runs = 0;
        var table = $"scratch_{Guid.NewGuid():N}";
        await db.ExecuteAsync($"CREATE TABLE public.{table} (id int)");
        try
        {
            await Assert.ThrowsAsync<ApiProblem>(() => db.InTransactionAsync(async ct =>
            {
                runs++;
                await db.ExecuteAsync($"INSERT INTO public.{table} VALUES (1)", ct);
                throw ApiProblem.InvalidTransition("refused");
            }, CancellationToken.None));

            Assert.Equal(1, runs);
            Assert.Equal(0, await db.ExecuteAsync<int>($"SELECT count(*)::int FROM public.{table}"));
        }
        finally
        {
            await db.ExecuteAsync($"DROP TABLE public.{table}");
        }
    }
}

/// <summary>Which database failures are an outage (503), which a lost race (409), and which a bug (500).</summary>
public sealed class DbFaultsTests
{
    private static Npgsql.PostgresException Pg(string sqlState) => new("message", "ERROR", "ERROR", sqlState);

    [Theory]
    [InlineData("57P01")] // admin_shutdown
    [InlineData("57P03")] // cannot_connect_now (starting up)
    [InlineData("53300")] // too_many_connections
    [InlineData("53100")] // disk_full
    [InlineData("08006")] // connection_failure
    [InlineData("3D000")] // the configured database does not exist
    public void A_database_that_is_down_or_out_of_resources_is_unavailable(string sqlState)
    {
        Assert.True(DbFaults.IsUnavailable(Pg(sqlState)));
        Assert.False(DbFaults.IsLostRace(Pg(sqlState)));
    }

    [Fact]
    public void Refused_connections_and_a_full_pool_are_unavailable()
    {
        Assert.True(DbFaults.IsUnavailable(new Npgsql.NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111))));
        Assert.True(DbFaults.IsUnavailable(new Npgsql.NpgsqlException("The connection pool has been exhausted", new TimeoutException())));
        Assert.True(DbFaults.IsUnavailable(new InvalidOperationException("wrapped", new System.Net.Sockets.SocketException(111))));
    }

    [Theory]
    [InlineData("40P01", true)]  // deadlock_detected
    [InlineData("40001", true)]  // serialization_failure
    [InlineData("23505", false)] // unique_violation: a row another request inserted first
    public void Deadlocks_serialization_failures_and_taken_unique_keys_are_lost_races(string sqlState, bool retried)
    {
        Assert.True(DbFaults.IsLostRace(Pg(sqlState)));
        Assert.Equal(retried, DbTransactions.IsRetryable(Pg(sqlState)));
        Assert.False(DbFaults.IsUnavailable(Pg(sqlState)));
    }

    [Theory]
    [InlineData("42P01")] // undefined_table: a bug or a missing migration
    [InlineData("23503")] // foreign_key_violation
    public void Other_errors_are_neither(string sqlState)
    {
        Assert.False(DbFaults.IsUnavailable(Pg(sqlState)));
        Assert.False(DbFaults.IsLostRace(Pg(sqlState)));
    }
}

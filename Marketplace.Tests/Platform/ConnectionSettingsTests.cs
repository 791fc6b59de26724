using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Infrastructure;
using Npgsql;

namespace Marketplace.Tests.Platform;

/// <summary>
/// The connection settings the API applies (README: connection settings): statements prepared per
/// connection, and pooled connections handed out again without the reset statements, except in
/// the idempotency keys' lock pool, where a session lock must not outlive its request.
/// </summary>
public sealed class ConnectionSettingsTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public void The_API_prepares_statements_and_skips_the_pool_reset_unless_the_operator_says_otherwise()
    {
        var tuned = new NpgsqlConnectionStringBuilder(Database.Tune("Host=db.internal;Username=u;Database=d"));
        Assert.Equal(Database.DefaultMaxAutoPrepare, tuned.MaxAutoPrepare);
        Assert.True(tuned.NoResetOnClose);
        Assert.Equal("UTC", tuned.Timezone);

        var given = new NpgsqlConnectionStringBuilder(Database.Tune("Host=db.internal;Username=u;Database=d;No Reset On Close=false;Max Auto Prepare=0"));
        Assert.False(given.NoResetOnClose);
        Assert.Equal(0, given.MaxAutoPrepare);

        var lockPool = new NpgsqlConnectionStringBuilder(Idempotency.LockConnectionString(Database.Tune("Host=db.internal;Username=u;Database=d")));
        Assert.False(lockPool.NoResetOnClose);
        Assert.Equal("marketplace-idempotency", lockPool.ApplicationName);
    }

    [Fact]
    public async Task A_session_lock_left_behind_outlives_its_use_on_the_API_pool_but_not_on_the_lock_pool()
    {
        // each pool its own (a setting no other test uses), so the second open gets the session the first one left
        var apiPool = Database.Tune(app.ConnectionString + ";Command Timeout=29");
        var lockPool = Idempotency.LockConnectionString(Database.Tune(app.ConnectionString + ";Command Timeout=28"));

        Assert.True(await LockSurvivesReturnToPoolAsync(apiPool), "the API's pool hands a session out as it was left: no reset ran");
        Assert.False(await LockSurvivesReturnToPoolAsync(lockPool), "the lock pool's reset must drop a session lock before the connection is used again");
    }

    /// <summary>Takes a session-level advisory lock, returns the connection without unlocking, takes it again: is the lock still held?</summary>
    private static async Task<bool> LockSurvivesReturnToPoolAsync(string connectionString)
    {
        var key = Random.Shared.NextInt64();
        int firstPid;
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var take = new NpgsqlCommand("SELECT pg_advisory_lock($1), pg_backend_pid()", connection) { Parameters = { new() { Value = key } } };
            await using var reader = await take.ExecuteReaderAsync();
            await reader.ReadAsync();
            firstPid = reader.GetInt32(1);
        }
        await using (var again = new NpgsqlConnection(connectionString))
        {
            await again.OpenAsync();
            await using var check = new NpgsqlCommand("""
                SELECT pg_backend_pid(),
                       EXISTS (SELECT 1 FROM pg_locks
                                WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objsubid = 1
                                  AND ((classid::bigint << 32) | objid::bigint) = $1)
                """, again) { Parameters = { new() { Value = key } } };
            await using var reader = await check.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal(firstPid, reader.GetInt32(0));
            var held = reader.GetBoolean(1);
            await reader.DisposeAsync();
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", again);
            await release.ExecuteNonQueryAsync();
            return held;
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Marketplace.Tests.Platform;

/// <summary>
/// A real streaming replica of the test cluster (scripts/postgres-replica.sh: pg_basebackup -R and a
/// hot standby started with pg_ctl), started once for this class and removed after it. Reads are
/// shown to come from it by pausing its WAL replay: a listing created on the primary meanwhile is
/// invisible to anonymous reads until replay resumes.
/// </summary>
[Collection(RumAndReplicas.Name)]
public sealed class ReadReplicaTests(AppFixture app, ReadReplicaTests.Replica replica) : IClassFixture<AppFixture>, IClassFixture<ReadReplicaTests.Replica>
{
    private const string Api = "/api/v1/marketplace";

    [Fact]
    public async Task Anonymous_reads_come_from_the_replica_and_signed_in_ones_from_the_primary()
    {
        await replica.StartAsync();
        using var host = Host(new TestClock());
        var anonymous = host.CreateClient();
        var provider = await app.CreateProviderAsync();
        var owner = host.CreateClient();
        owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", provider.Owner.AccessToken);
        var seen = await SlugOfAsync(await app.CreateListingAsync(provider));
        await replica.CatchUpAsync();
        await ReadsEventuallyAsync(anonymous, $"{Api}/listings/{seen}");

        await replica.PauseReplayAsync();
        try
        {
            var fresh = await SlugOfAsync(await app.CreateListingAsync(provider));

            // the replica has not replayed the insert: every anonymous public read misses it
            await (await anonymous.GetAsync($"{Api}/listings/{fresh}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
            await (await anonymous.GetAsync($"{Api}/listings/{fresh}/reviews")).AssertProblem(HttpStatusCode.NotFound, "not_found");
            var browsed = await (await anonymous.GetAsync($"{Api}/listings?providerId={provider.Id}")).AssertJson(HttpStatusCode.OK);
            Assert.Equal([seen], browsed.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("slug").GetString()));
            var profile = await (await anonymous.GetAsync($"{Api}/providers/{provider.Id}")).AssertJson(HttpStatusCode.OK);
            Assert.Equal(provider.Id, profile.GetProperty("id").GetInt32());

            // the owner, signed in, reads the primary and sees its own write at once
            await (await owner.GetAsync($"{Api}/listings/{fresh}")).AssertJson(HttpStatusCode.OK);
            var mine = await (await owner.GetAsync($"{Api}/listings?providerId={provider.Id}")).AssertJson(HttpStatusCode.OK);
            Assert.Equal(2, mine.GetProperty("items").GetArrayLength());

            await replica.ResumeReplayAsync();
            await replica.CatchUpAsync();
            await ReadsEventuallyAsync(anonymous, $"{Api}/listings/{fresh}");
        }
        finally
        {
            await replica.ResumeReplayAsync();
        }

        var ready = await (await anonymous.GetAsync("/health/ready")).AssertJson(HttpStatusCode.OK);
        var check = ready.GetProperty("checks").GetProperty("replica");
        Assert.Equal("healthy", check.GetProperty("status").GetString());
        Assert.StartsWith("standby reachable at 127.0.0.1:", check.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_replica_stopped_the_next_read_succeeds_from_the_primary_and_the_replica_is_used_again_once_back()
    {
        await replica.StartAsync();
        var clock = new TestClock();
        using var host = Host(clock);
        var anonymous = host.CreateClient();
        var circuit = host.Services.GetRequiredService<ReadReplica>();
        var provider = await app.CreateProviderAsync();
        var slug = await SlugOfAsync(await app.CreateListingAsync(provider));
        await replica.CatchUpAsync();
        // pooled connections to the replica exist when it goes away
        await ReadsEventuallyAsync(anonymous, $"{Api}/listings/{slug}");
        Assert.False(circuit.CircuitOpen);

        await replica.StopAsync();
        try
        {
            // the pooled connection is dead: the same request reads the primary
            await (await anonymous.GetAsync($"{Api}/listings/{slug}")).AssertJson(HttpStatusCode.OK);
            Assert.True(circuit.CircuitOpen);
            await (await anonymous.GetAsync($"{Api}/listings?providerId={provider.Id}")).AssertJson(HttpStatusCode.OK);

            // readiness stays 200: the replica alone down is degraded, not unready
            var ready = await (await anonymous.GetAsync("/health/ready")).AssertJson(HttpStatusCode.OK);
            Assert.Equal("degraded", ready.GetProperty("checks").GetProperty("replica").GetProperty("status").GetString());
            Assert.Equal("healthy", ready.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());

            // past the retry interval one request tries it again: refused, so it reads the primary, and the circuit stays open
            clock.Advance(TimeSpan.FromSeconds(31));
            await (await anonymous.GetAsync($"{Api}/listings/{slug}")).AssertJson(HttpStatusCode.OK);
            Assert.True(circuit.CircuitOpen);
        }
        finally
        {
            await replica.StartAsync();
        }

        clock.Advance(TimeSpan.FromSeconds(31));
        await (await anonymous.GetAsync($"{Api}/listings/{slug}")).AssertJson(HttpStatusCode.OK);
        Assert.False(circuit.CircuitOpen);
    }

    /// <summary>
    /// A read the replica must answer once it has replayed the write. Replayed is not yet visible:
    /// the standby's snapshot may lag its replay position by a moment (about 200 ms measured while
    /// other test classes load the cluster), so the read is retried for a while, as a client of a
    /// replica would see replication lag.
    /// </summary>
    private static async Task ReadsEventuallyAsync(HttpClient client, string url)
    {
        var waited = Stopwatch.StartNew();
        var response = await client.GetAsync(url);
        while (response.StatusCode == HttpStatusCode.NotFound && waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
            response = await client.GetAsync(url);
        }
        await response.AssertJson(HttpStatusCode.OK);
    }

    private WebApplicationFactory<Program> Host(TimeProvider clock) => app.Isolated(clock, new Dictionary<string, string?>
    {
        ["ConnectionStrings:MarketplaceReadOnly"] = replica.ConnectionStringFor(app.ConnectionString),
        ["Marketplace:Database:ReplicaRetrySeconds"] = "30",
    });

    private async Task<string> SlugOfAsync(int listingId)
    {
        using var db = app.Db();
        return await db.Listings.Where(l => l.Id == listingId).Select(l => l.Slug).SingleAsync();
    }

    /// <summary>The replica of this test class: created from the test cluster on first start, removed at the end.</summary>
    public sealed class Replica : IAsyncLifetime
    {
        private static readonly string RepoRoot = FindRepoRoot();
        // under /var/tmp, not the repository: as root the postgres OS user must reach it
        private readonly string data = Path.Combine("/var/tmp", $"marketplace-test-replica-{Guid.NewGuid():N}");
        private readonly int primaryPort = new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString).Port;
        private string? server;

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await ScriptAsync("remove");

        public string ConnectionStringFor(string primaryDatabase) =>
            new NpgsqlConnectionStringBuilder(server ?? throw new InvalidOperationException("the replica is not started"))
            {
                Database = new NpgsqlConnectionStringBuilder(primaryDatabase).Database,
            }.ConnectionString;

        public async Task StartAsync() => server = (await ScriptAsync("start")).Trim();

        public Task StopAsync() => ScriptAsync("stop");

        public Task PauseReplayAsync() => OnReplicaAsync("SELECT pg_wal_replay_pause(); SELECT pg_get_wal_replay_pause_state()", "paused");

        public Task ResumeReplayAsync() => OnReplicaAsync("SELECT pg_wal_replay_resume(); SELECT 'resumed'", "resumed");

        /// <summary>Waits until the replica has replayed everything the primary has written so far.</summary>
        public async Task CatchUpAsync()
        {
            string lsn;
            await using (var primary = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString) { Database = "postgres", Pooling = false }.ConnectionString))
            {
                await primary.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text", primary);
                lsn = (string)(await command.ExecuteScalarAsync())!;
            }
            await OnReplicaAsync($"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn", true);
        }

        /// <summary>Runs the query on the replica until its last result is <paramref name="expected"/> (30 s at most).</summary>
        private async Task OnReplicaAsync(string sql, object expected)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server!) { Pooling = false }.ConnectionString))
                {
                    await connection.OpenAsync();
                    await using var command = new NpgsqlCommand(sql, connection);
                    object? last = null;
                    await using (var reader = await command.ExecuteReaderAsync())
                    {
                        do
                        {
                            while (await reader.ReadAsync())
                            {
                                last = reader.GetValue(0);
                            }
                        }
                        while (await reader.NextResultAsync());
                    }
                    if (Equals(last, expected))
                    {
                        return;
                    }
                }
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"the replica did not reach {expected} for: {sql}");
                await Task.Delay(20);
            }
        }

        private async Task<string> ScriptAsync(string command)
        {
            var start = new ProcessStartInfo("bash") { WorkingDirectory = RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("scripts/postgres-replica.sh");
            start.ArgumentList.Add(command);
            start.Environment["MARKETPLACE_PG_REPLICA_DATA"] = data;
            start.Environment["MARKETPLACE_PG_PRIMARY_PORT"] = primaryPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment.Remove("MARKETPLACE_PG_REPLICA_PORT");
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"scripts/postgres-replica.sh {command} exited {process.ExitCode}: {await stderr}");
            return await stdout;
        }

        private static string FindRepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "scripts", "postgres-replica.sh")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("scripts/postgres-replica.sh not found above " + AppContext.BaseDirectory);
        }
    }
}

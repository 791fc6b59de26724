using System.Net;
using System.Security.Cryptography;
using LinqToDB;
using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Features.Auth;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit.Abstractions;

namespace Marketplace.Tests.Platform;

/// <summary>
/// Each test runs a host of its own with a low limit. The counters live in the shared database,
/// so every test sends from client addresses of its own (a fresh /24), never the shared host's.
/// </summary>
public sealed class RateLimitingTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task The_anonymous_auth_endpoints_answer_429_with_Retry_After_past_the_limit()
    {
        using var host = FromPeer(app.Isolated(settings: Limit(3)));
        var client = host.CreateClient();

        // one bucket per client IP across register, login, forgot-password and resend-verification
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(AuthApi.NewEmail(), "some-password-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("forgot-password", new { email = AuthApi.NewEmail() }, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("resend-verification", new { email = AuthApi.NewEmail() }, null)).StatusCode);

        var limited = await client.PostJson($"{AuthApi.Base}/register", new { email = AuthApi.NewEmail(), password = "a-long-enough-password" });

        var json = await limited.AssertProblem(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Contains("retry", json.GetProperty("detail").GetString()!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Two_instances_share_one_limit()
    {
        // one clock for both, standing still at the start of this minute, so the window cannot roll over mid-test
        var clock = StartOfThisMinute();
        var peer = ClientNetworks.In(ClientNetworks.NewNetwork(), 9);
        using var first = ClientNetworks.FromPeer(app.Isolated(clock, Limit(20)), peer);
        using var second = ClientNetworks.FromPeer(app.Isolated(clock, Limit(20)), peer);
        var clients = new[] { first.CreateClient(), second.CreateClient() };

        var statuses = new List<int>();
        for (var i = 0; i < 21; i++)
        {
            using var response = await clients[i % 2].PostAsync("forgot-password", new { email = AuthApi.NewEmail() }, null);
            statuses.Add((int)response.StatusCode);
        }

        output.WriteLine(string.Join(", ", statuses));
        Assert.Equal(Enumerable.Repeat(202, 20).Append(429), statuses);

        // the next minute starts a new window on both
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Accepted, (await clients[1].PostAsync("forgot-password", new { email = AuthApi.NewEmail() }, null)).StatusCode);
    }

    [Fact]
    public async Task Concurrent_requests_over_two_instances_never_pass_the_limit()
    {
        var clock = StartOfThisMinute();
        var peer = ClientNetworks.In(ClientNetworks.NewNetwork(), 9);
        using var first = ClientNetworks.FromPeer(app.Isolated(clock, Limit(10)), peer);
        using var second = ClientNetworks.FromPeer(app.Isolated(clock, Limit(10)), peer);
        var clients = new[] { first.CreateClient(), second.CreateClient() };

        var responses = await Task.WhenAll(Enumerable.Range(0, 30)
            .Select(i => clients[i % 2].PostAsync("forgot-password", new { email = AuthApi.NewEmail() }, null)));

        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(20, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Other_endpoints_are_not_limited_by_the_auth_policy()
    {
        var user = await app.CreateAsync();
        using var host = FromPeer(app.Isolated(settings: Limit(1)));
        var client = host.CreateClient();
        await client.LoginAsync(AuthApi.NewEmail(), "some-password-1");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.LoginAsync(AuthApi.NewEmail(), "some-password-1")).StatusCode);

        for (var i = 0; i < 3; i++)
        {
            await (await client.MeAsync(user.AccessToken)).AssertJson(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task Switched_off_nothing_is_limited()
    {
        var settings = Limit(1);
        settings["Marketplace:RateLimiting:Enabled"] = "false";
        using var host = FromPeer(app.Isolated(settings: settings));
        var client = host.CreateClient();

        for (var i = 0; i < 4; i++)
        {
            await (await client.LoginAsync(AuthApi.NewEmail(), "some-password-1")).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
    }

    [Fact]
    public async Task Behind_a_known_proxy_each_forwarded_client_has_its_own_bucket()
    {
        using var host = app.BehindProxy(settings: Limit(1));
        var client = host.CreateClient();
        var network = ClientNetworks.NewNetwork();

        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginFrom(client, ClientNetworks.In(network, 1))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginFrom(client, ClientNetworks.In(network, 2))).StatusCode);
        await (await LoginFrom(client, ClientNetworks.In(network, 1))).AssertProblem(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task X_Forwarded_For_from_an_unknown_peer_is_ignored()
    {
        using var host = FromPeer(app.Isolated(settings: Limit(1)));
        var client = host.CreateClient();
        var network = ClientNetworks.NewNetwork();

        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginFrom(client, ClientNetworks.In(network, 1))).StatusCode);
        // a forged header does not buy a fresh bucket
        await (await LoginFrom(client, ClientNetworks.In(network, 2))).AssertProblem(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task Windows_over_for_two_minutes_are_purged_and_the_current_one_is_kept()
    {
        var clock = StartOfThisMinute();
        var now = clock.GetUtcNow().UtcDateTime;
        var old = RandomNumberGenerator.GetBytes(32);
        var current = RandomNumberGenerator.GetBytes(32);
        await ExecuteAsync("INSERT INTO marketplace.rate_limit_counters (key, window_start, count) VALUES ($1, $2, 5), ($3, $4, 7)",
            old, now.AddMinutes(-3), current, now);

        var purger = new RateLimitCounterPurger(app.Factory.Services.GetRequiredService<DataOptions<Marketplace.Api.Data.Db>>(), clock,
            NullLogger<RateLimitCounterPurger>.Instance);
        Assert.True(await purger.PurgeAsync(CancellationToken.None) >= 1);

        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM marketplace.rate_limit_counters WHERE key = $1", old));
        Assert.Equal(7L, await ScalarAsync("SELECT sum(count) FROM marketplace.rate_limit_counters WHERE key = $1", current));
    }

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> ScalarAsync(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static TestClock StartOfThisMinute()
    {
        var now = DateTime.UtcNow;
        return new TestClock(new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero));
    }

    private static Dictionary<string, string?> Limit(int perMinute) =>
        new() { ["Marketplace:RateLimiting:AuthPerMinute"] = perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static Task<HttpResponseMessage> LoginFrom(HttpClient client, string forwardedFor) =>
        client.LoginFrom(forwardedFor, AuthApi.NewEmail(), "some-password-1");

    /// <summary>A host whose requests all come from a client address of this test's own.</summary>
    private static WebApplicationFactory<Program> FromPeer(WebApplicationFactory<Program> host) =>
        ClientNetworks.FromPeer(host, ClientNetworks.In(ClientNetworks.NewNetwork(), 7));
}

using System.Net;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Xunit.Abstractions;

namespace Marketplace.Tests.Features.Auth.Login;

/// <summary>
/// The lock-out counts failures per (e-mail, client network), so it neither tells which addresses
/// have accounts nor lets someone elsewhere lock the owner out; a slower per-account backstop
/// catches guessing spread over many networks.
/// </summary>
public sealed class LockoutTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task A_known_and_an_unknown_email_answer_the_same_status_sequence()
    {
        var user = await app.Client().RegisterAsync();
        using var host = app.BehindProxy();
        var client = host.CreateClient();
        var network = ClientNetworks.NewNetwork();

        var known = await SequenceAsync(client, ClientNetworks.In(network, 1), user.Email);
        var unknown = await SequenceAsync(client, ClientNetworks.In(network, 2), AuthApi.NewEmail("nobody"));

        output.WriteLine($"known:   {string.Join(", ", known)}");
        output.WriteLine($"unknown: {string.Join(", ", unknown)}");
        Assert.Equal(known, unknown);
        Assert.Equal(["401 invalid_credentials", "401 invalid_credentials", "401 invalid_credentials", "401 invalid_credentials",
            "401 invalid_credentials", "429 too_many_attempts", "429 too_many_attempts"], known);
    }

    [Fact]
    public async Task Failures_from_one_network_do_not_lock_out_the_owner_on_another()
    {
        var user = await app.Client().RegisterAsync();
        using var host = app.BehindProxy();
        var client = host.CreateClient();
        var attacker = ClientNetworks.NewNetwork();
        var owner = ClientNetworks.NewNetwork();

        for (var i = 0; i < 5; i++)
        {
            await (await client.LoginFrom(ClientNetworks.In(attacker, 10 + i), user.Email, "not-the-password"))
                .AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        // the whole /24 of the attacker is held back, even with the right password
        await (await client.LoginFrom(ClientNetworks.In(attacker, 200), user.Email, user.Password))
            .AssertProblem(HttpStatusCode.TooManyRequests, "too_many_attempts");
        // the owner elsewhere logs in as usual
        await (await client.LoginFrom(ClientNetworks.In(owner, 5), user.Email, user.Password)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_IPv6_client_is_counted_by_its_64()
    {
        var user = await app.Client().RegisterAsync();
        using var host = app.BehindProxy();
        var client = host.CreateClient();
        var prefix = $"2001:db8:{Random.Shared.Next(0x1000, 0xFFFF):x}:{Random.Shared.Next(0x1000, 0xFFFF):x}";

        for (var i = 0; i < 5; i++)
        {
            await client.LoginFrom($"{prefix}::{i + 1:x}", user.Email, "not-the-password");
        }

        await (await client.LoginFrom($"{prefix}:ffff::1", user.Email, user.Password)).AssertProblem(HttpStatusCode.TooManyRequests, "too_many_attempts");
        await (await client.LoginFrom($"2001:db8:1::{Random.Shared.Next(1, 0xFFFF):x}", user.Email, user.Password)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_hold_lasts_15_minutes_on_the_clock_and_a_success_clears_the_count()
    {
        var user = await app.Client().RegisterAsync();
        var clock = new TestClock();
        using var host = app.BehindProxy(clock);
        var client = host.CreateClient();
        var ip = ClientNetworks.In(ClientNetworks.NewNetwork(), 1);

        // four failures, a success, four more: never held, since the success cleared the count
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 4; i++)
            {
                await (await client.LoginFrom(ip, user.Email, "not-the-password")).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
            }
            await (await client.LoginFrom(ip, user.Email, user.Password)).AssertJson(HttpStatusCode.OK);
        }

        for (var i = 0; i < 5; i++)
        {
            await client.LoginFrom(ip, user.Email, "not-the-password");
        }
        var held = await client.LoginFrom(ip, user.Email, user.Password);
        await held.AssertProblem(HttpStatusCode.TooManyRequests, "too_many_attempts");
        var retryAfter = int.Parse(held.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 890, 900);

        clock.Advance(TimeSpan.FromMinutes(14));
        await (await client.LoginFrom(ip, user.Email, user.Password)).AssertProblem(HttpStatusCode.TooManyRequests, "too_many_attempts");

        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await (await client.LoginFrom(ip, user.Email, user.Password)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Fifty_failures_in_an_hour_from_many_networks_slow_every_network_to_one_try_a_minute()
    {
        var user = await app.Client().RegisterAsync();
        var clock = new TestClock();
        using var host = app.BehindProxy(clock);
        var client = host.CreateClient();

        // 10 networks, 4 failures each (none of them held on its own), then 10 more on an 11th and 12th
        for (var n = 0; n < 12; n++)
        {
            var network = ClientNetworks.NewNetwork();
            for (var i = 0; i < (n < 10 ? 4 : 5); i++)
            {
                await (await client.LoginFrom(ClientNetworks.In(network, 1), user.Email, "not-the-password"))
                    .AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
            }
        }

        // 50 failures: a network that never failed is held too, for a minute
        var owner = ClientNetworks.In(ClientNetworks.NewNetwork(), 1);
        var held = await client.LoginFrom(owner, user.Email, user.Password);
        await held.AssertProblem(HttpStatusCode.TooManyRequests, "too_many_attempts");
        Assert.InRange(int.Parse(held.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);

        // slowed, not locked: a minute later one try goes through, and each further failure holds the account another minute
        clock.Advance(TimeSpan.FromSeconds(61));
        await (await client.LoginFrom(ClientNetworks.In(ClientNetworks.NewNetwork(), 1), user.Email, "not-the-password"))
            .AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await client.LoginFrom(owner, user.Email, user.Password)).AssertProblem(HttpStatusCode.TooManyRequests, "too_many_attempts");
        clock.Advance(TimeSpan.FromSeconds(61));
        await (await client.LoginFrom(owner, user.Email, user.Password)).AssertJson(HttpStatusCode.OK);

        // an hour after the first failure the backstop's window is over
        clock.Advance(TimeSpan.FromHours(1));
        await (await client.LoginFrom(ClientNetworks.In(ClientNetworks.NewNetwork(), 1), user.Email, "not-the-password"))
            .AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await client.LoginFrom(owner, user.Email, user.Password)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task One_network_guessing_many_addresses_is_capped()
    {
        var owner = await app.Client().RegisterAsync();
        // the cap is 200 failures an hour; a host with a cap of 6 shows the rule without 200 PBKDF2 checks
        using var host = app.BehindProxy().WithWebHostBuilder(b => b.ConfigureTestServices(s =>
            s.Replace(ServiceDescriptor.Singleton(new Marketplace.Api.Features.Auth.LockoutRules { NetworkFailures = 6 }))));
        var client = host.CreateClient();
        var network = ClientNetworks.NewNetwork();

        // two failures each on three addresses (known or not): no address reaches its own limit
        foreach (var email in new[] { AuthApi.NewEmail("a"), AuthApi.NewEmail("b"), owner.Email })
        {
            for (var i = 0; i < 2; i++)
            {
                await (await client.LoginFrom(ClientNetworks.In(network, 1 + i), email, "not-the-password"))
                    .AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
            }
        }

        // but the network has spent its failures: held for every address, the right password included
        await (await client.LoginFrom(ClientNetworks.In(network, 99), owner.Email, owner.Password)).AssertProblem(HttpStatusCode.TooManyRequests, "too_many_attempts");
        await (await client.LoginFrom(ClientNetworks.In(ClientNetworks.NewNetwork(), 1), owner.Email, owner.Password)).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_password_reset_lifts_the_hold_on_every_network()
    {
        var user = await app.Client().RegisterAsync();
        using var host = app.BehindProxy();
        var client = host.CreateClient();
        var ip = ClientNetworks.In(ClientNetworks.NewNetwork(), 1);
        for (var i = 0; i < 5; i++)
        {
            await client.LoginFrom(ip, user.Email, "not-the-password");
        }
        await (await client.LoginFrom(ip, user.Email, user.Password)).AssertProblem(HttpStatusCode.TooManyRequests, "too_many_attempts");

        await client.PostAsync("forgot-password", new { email = user.Email }, null);
        var token = await app.Smtp.WaitForResetTokenAsync(user.Email);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("reset-password", new { token, newPassword = "a-brand-new-password" }, null)).StatusCode);

        await (await client.LoginFrom(ip, user.Email, "a-brand-new-password")).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task No_e_mail_or_client_address_is_stored_in_the_throttle_rows()
    {
        var email = AuthApi.NewEmail("stored");
        using var host = app.BehindProxy();
        var network = ClientNetworks.NewNetwork();
        await host.CreateClient().LoginFrom(ClientNetworks.In(network, 1), email, "not-the-password");

        await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT count(*) FROM marketplace.login_throttles t WHERE position(convert_to($1, 'UTF8') IN t.key) > 0 OR position(convert_to($1, 'UTF8') IN coalesce(t.subject, ''::bytea)) > 0 OR row_to_json(t)::text LIKE '%' || $2 || '%'",
            connection) { Parameters = { new() { Value = email }, new() { Value = network } } };
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
        await using var rows = new Npgsql.NpgsqlCommand("SELECT count(*) FROM marketplace.login_throttles", connection);
        Assert.True((long)(await rows.ExecuteScalarAsync())! >= 3);
    }

    [Fact]
    public async Task Rows_whose_window_and_hold_are_over_are_purged()
    {
        var now = DateTime.UtcNow;
        var over = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var live = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using (var insert = new Npgsql.NpgsqlCommand("""
            INSERT INTO marketplace.login_throttles (key, failures, window_started_at, blocked_until, expires_at)
            VALUES ($1, 5, $3 - interval '2 hours', $3 - interval '1 hour', $3 - interval '1 minute'),
                   ($2, 0, $3, $3 + interval '15 minutes', $3 + interval '30 minutes')
            """, connection) { Parameters = { new() { Value = over }, new() { Value = live }, new() { Value = now } } })
        {
            await insert.ExecuteNonQueryAsync();
        }

        var purger = new Marketplace.Api.Features.Auth.LoginThrottlePurger(
            app.Factory.Services.GetRequiredService<LinqToDB.DataOptions<Marketplace.Api.Data.Db>>(), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Marketplace.Api.Features.Auth.LoginThrottlePurger>.Instance);
        Assert.True(await purger.PurgeAsync(CancellationToken.None) >= 1);

        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FILTER (WHERE key = $1), count(*) FILTER (WHERE key = $2) FROM marketplace.login_throttles", connection)
        {
            Parameters = { new() { Value = over }, new() { Value = live } },
        };
        await using var reader = await count.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(0L, reader.GetInt64(0));
        Assert.Equal(1L, reader.GetInt64(1));
    }

    private static async Task<List<string>> SequenceAsync(HttpClient client, string ip, string email)
    {
        var statuses = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            using var response = await client.LoginFrom(ip, email, "not-the-password");
            var body = await response.Content.ReadAsStringAsync();
            var code = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("code").GetString();
            statuses.Add($"{(int)response.StatusCode} {code}");
        }
        return statuses;
    }
}

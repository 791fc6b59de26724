using System.Net;
using Marketplace.Tests.Features.Auth;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Platform;

/// <summary>Each test runs a host of its own with a low limit, so the shared host never trips it.</summary>
public sealed class RateLimitingTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task The_anonymous_auth_endpoints_answer_429_with_Retry_After_past_the_limit()
    {
        using var host = app.Isolated(settings: Limit(3));
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
    public async Task Other_endpoints_are_not_limited_by_the_auth_policy()
    {
        var user = await app.CreateAsync();
        using var host = app.Isolated(settings: Limit(1));
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
        using var host = app.Isolated(settings: settings);
        var client = host.CreateClient();

        for (var i = 0; i < 4; i++)
        {
            await (await client.LoginAsync(AuthApi.NewEmail(), "some-password-1")).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
    }

    [Fact]
    public async Task Behind_a_known_proxy_each_forwarded_client_has_its_own_bucket()
    {
        var settings = Limit(1);
        settings["Marketplace:KnownProxies:0"] = "10.0.0.1";
        using var host = FromPeer(app.Isolated(settings: settings), "10.0.0.1");
        var client = host.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginFrom(client, "203.0.113.1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginFrom(client, "203.0.113.2")).StatusCode);
        await (await LoginFrom(client, "203.0.113.1")).AssertProblem(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task X_Forwarded_For_from_an_unknown_peer_is_ignored()
    {
        using var host = FromPeer(app.Isolated(settings: Limit(1)), "198.51.100.7");
        var client = host.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginFrom(client, "203.0.113.1")).StatusCode);
        // a forged header does not buy a fresh bucket
        await (await LoginFrom(client, "203.0.113.2")).AssertProblem(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    private static Dictionary<string, string?> Limit(int perMinute) =>
        new() { ["Marketplace:RateLimiting:AuthPerMinute"] = perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static Task<HttpResponseMessage> LoginFrom(HttpClient client, string forwardedFor) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"{AuthApi.Base}/login")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { email = AuthApi.NewEmail(), password = "some-password-1" }),
            Headers = { { "X-Forwarded-For", forwardedFor } },
        });

    /// <summary>The test server has no network peer: make every request arrive from this address.</summary>
    private static WebApplicationFactory<Program> FromPeer(WebApplicationFactory<Program> host, string peer) =>
        host.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddTransient<IStartupFilter>(_ => new Peer(IPAddress.Parse(peer)))));

    private sealed class Peer(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, nextMiddleware) =>
            {
                http.Connection.RemoteIpAddress = address;
                return nextMiddleware(http);
            });
            next(app);
        };
    }
}

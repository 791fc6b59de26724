using System.Net;
using System.Net.Http.Json;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Features.Auth;

/// <summary>
/// Requests from chosen client addresses. The test server has no network peer, so a host made
/// here receives every request from <see cref="Proxy"/>, a configured known proxy, and the client
/// address travels in X-Forwarded-For: the production path of a deployment behind a load balancer.
/// </summary>
public static class ClientNetworks
{
    public const string Proxy = "10.0.0.1";

    /// <summary>An isolated host behind the trusted proxy (optionally on a test clock and with more settings).</summary>
    public static WebApplicationFactory<Program> BehindProxy(this AppFixture app, TimeProvider? clock = null, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Marketplace:KnownProxies:0"] = Proxy,
        };
        return FromPeer(app.Isolated(clock, all), Proxy);
    }

    /// <summary>The test server has no network peer: make every request of this host arrive from this address.</summary>
    public static WebApplicationFactory<Program> FromPeer(WebApplicationFactory<Program> host, string peer) =>
        host.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddTransient<IStartupFilter>(_ => new Peer(IPAddress.Parse(peer)))));

    /// <summary>A /24 of the documentation and benchmarking ranges no other test uses (198.18.0.0/15 holds 512 of them).</summary>
    public static string NewNetwork()
    {
        var n = Interlocked.Increment(ref next);
        return $"198.{18 + ((n >> 8) & 1)}.{n & 0xFF}";
    }

    /// <summary>One address of a network made by <see cref="NewNetwork"/>.</summary>
    public static string In(string network, int host) => $"{network}.{host}";

    public static Task<HttpResponseMessage> PostFrom(this HttpClient client, string clientIp, string path, object body) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"{AuthApi.Base}/{path}")
        {
            Content = JsonContent.Create(body),
            Headers = { { "X-Forwarded-For", clientIp } },
        });

    public static Task<HttpResponseMessage> LoginFrom(this HttpClient client, string clientIp, string email, string password) =>
        client.PostFrom(clientIp, "login", new { email, password });

    private static int next = -1;

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

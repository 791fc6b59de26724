using System.Net;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Integrations.Cors;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = TestBookings.Api + "/events";

    private static HttpRequestMessage Preflight(string origin) => new(HttpMethod.Options, Url)
    {
        Headers =
        {
            { "Origin", origin },
            { "Access-Control-Request-Method", "GET" },
            { "Access-Control-Request-Headers", "authorization" },
        },
    };

    [Fact]
    public async Task A_configured_origin_passes_the_preflight_and_others_get_no_cors_headers()
    {
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Cors:Origins:0"] = "https://app.example.com" });
        var client = host.CreateClient();

        var allowed = await client.SendAsync(Preflight("https://app.example.com"));
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal("https://app.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("GET", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Contains("authorization", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);
        Assert.False(allowed.Headers.Contains("Access-Control-Allow-Credentials"));

        var refused = await client.SendAsync(Preflight("https://evil.example.com"));
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));

        // a simple request from the allowed origin carries the header too
        var user = await app.CreateAsync();
        using var get = new HttpRequestMessage(HttpMethod.Get, Url) { Headers = { { "Origin", "https://app.example.com" } } };
        get.Headers.Authorization = new("Bearer", host.Services.GetService(typeof(Marketplace.Api.Infrastructure.SessionTokens)) is Marketplace.Api.Infrastructure.SessionTokens t
            ? t.AccessToken(user.Id, user.SessionId, out _) : null);
        var answer = await client.SendAsync(get);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("https://app.example.com", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task No_origin_is_allowed_by_default()
    {
        var response = await app.Client().SendAsync(Preflight("https://app.example.com"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }
}

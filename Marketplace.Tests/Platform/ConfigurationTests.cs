using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Platform;

/// <summary>Invalid configuration stops the app at start-up with a message naming the key.</summary>
public sealed class ConfigurationTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Theory]
    [InlineData("Marketplace:Fees:PlatformFeeBps", "20000", "Marketplace:Fees:PlatformFeeBps")]
    [InlineData("Marketplace:Auth:SigningKey", "too-short", "Marketplace:Auth:SigningKey")]
    [InlineData("Marketplace:PublicBaseUrl", "not a url", "Marketplace:PublicBaseUrl")]
    [InlineData("Marketplace:Currency", "US Dollar", "Marketplace:Currency")]
    [InlineData("Marketplace:Stripe:ApiBase", "::nope", "Marketplace:Stripe:ApiBase")]
    [InlineData("Marketplace:Stripe:TimeoutSeconds", "0", "Marketplace:Stripe:TimeoutSeconds")]
    [InlineData("Marketplace:Stripe:MaxConcurrentCalls", "0", "Marketplace:Stripe:TimeoutSeconds (1-120), MaxNetworkRetries (0-5) and MaxConcurrentCalls")]
    [InlineData("Marketplace:KnownProxies:0", "proxy.example", "Marketplace:KnownProxies")]
    [InlineData("Marketplace:Idempotency:RetentionHours", "0", "Marketplace:Idempotency:RetentionHours")]
    [InlineData("ConnectionStrings:Marketplace", "", "ConnectionStrings:Marketplace")]
    public void A_bad_value_stops_start_up_naming_the_key(string key, string value, string named)
    {
        using var host = app.Isolated(settings: new Dictionary<string, string?> { [key] = value });
        var error = Assert.ThrowsAny<Exception>(() => host.Server);
        var messages = string.Join(" | ", Flatten(error).Select(e => e.Message));
        Assert.Contains(named, messages, StringComparison.Ordinal);
    }

    [Fact]
    public void The_signing_key_is_required_outside_development()
    {
        using var host = app.Isolated(settings: new Dictionary<string, string?>
        {
            ["Marketplace:Auth:SigningKey"] = null,
            ["environment"] = "Production",
        });
        var error = Assert.ThrowsAny<Exception>(() => host.Server);
        Assert.Contains("Marketplace:Auth:SigningKey is required", string.Join(" | ", Flatten(error).Select(e => e.Message)), StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}

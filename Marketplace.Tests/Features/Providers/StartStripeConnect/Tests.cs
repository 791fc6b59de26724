using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Features.Listings;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Providers.StartStripeConnect;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = "/api/v1/marketplace/providers/me/stripe-connect";

    [Fact]
    public async Task The_first_call_creates_an_express_account_and_answers_an_onboarding_link()
    {
        var (owner, providerId) = await app.RegisterProviderAsync("stripe_connect", b => b["country"] = "US");

        var json = await (await app.Client(owner.AccessToken).PostAsync(Url, null)).AssertJson(HttpStatusCode.OK);

        var accountId = json.GetProperty("accountId").GetString()!;
        Assert.StartsWith("acct_", accountId, StringComparison.Ordinal);
        Assert.StartsWith($"https://connect.stripe.com/setup/e/{accountId}/", json.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.True(json.GetProperty("expiresAt").GetDateTime() > DateTime.UtcNow);

        var create = Assert.Single(app.Stripe.RequestsTo("/v1/accounts"), r => r.Form.GetValueOrDefault("metadata[provider_id]") == providerId.ToString());
        Assert.Equal("express", create.Form["type"]);
        Assert.Equal("US", create.Form["country"]);
        Assert.Equal(owner.Email, create.Form["email"]);
        Assert.Equal("true", create.Form["capabilities[card_payments][requested]"]);
        Assert.Equal("true", create.Form["capabilities[transfers][requested]"]);
        Assert.Equal($"marketplace-provider-{providerId}-connect-account", create.IdempotencyKey);

        var link = Assert.Single(app.Stripe.RequestsTo("/v1/account_links"), r => r.Form["account"] == accountId);
        Assert.Equal("account_onboarding", link.Form["type"]);
        Assert.Equal("https://app.marketplace.test/provider/stripe-connect/refresh", link.Form["refresh_url"]);
        Assert.Equal("https://app.marketplace.test/provider/stripe-connect/return", link.Form["return_url"]);

        using var db = app.Db();
        Assert.Equal(accountId, await db.Providers.Where(p => p.Id == providerId).Select(p => p.StripeConnectAccountId).SingleAsync());
        Assert.Contains("stripe_connect_account_created:pending->pending", await app.AuditTrailAsync("provider", providerId));
    }

    [Fact]
    public async Task Later_calls_reuse_the_account_and_answer_a_fresh_link()
    {
        var (owner, providerId) = await app.RegisterProviderAsync("stripe_connect");
        var client = app.Client(owner.AccessToken);
        var first = await (await client.PostAsync(Url, null)).AssertJson(HttpStatusCode.OK);
        var second = await (await client.PostAsync(Url, null)).AssertJson(HttpStatusCode.OK);

        Assert.Equal(first.GetProperty("accountId").GetString(), second.GetProperty("accountId").GetString());
        Assert.NotEqual(first.GetProperty("url").GetString(), second.GetProperty("url").GetString());
        Assert.Single(app.Stripe.RequestsTo("/v1/accounts"), r => r.Form.GetValueOrDefault("metadata[provider_id]") == providerId.ToString());
    }

    [Fact]
    public async Task A_retry_after_a_lost_write_gets_the_same_account_from_stripe()
    {
        var (owner, providerId) = await app.RegisterProviderAsync("stripe_connect");
        var client = app.Client(owner.AccessToken);
        var first = (await (await client.PostAsync(Url, null)).AssertJson(HttpStatusCode.OK)).GetProperty("accountId").GetString();
        using (var db = app.Db())
        {
            // as if the app died between Stripe's answer and storing the account id
            await db.Providers.Where(p => p.Id == providerId).Set(p => p.StripeConnectAccountId, (string?)null).UpdateAsync();
        }

        var retry = (await (await client.PostAsync(Url, null)).AssertJson(HttpStatusCode.OK)).GetProperty("accountId").GetString();

        Assert.Equal(first, retry);
        Assert.Equal(2, app.Stripe.RequestsTo("/v1/accounts").Count(r => r.Form.GetValueOrDefault("metadata[provider_id]") == providerId.ToString()));
        Assert.Single(app.Stripe.Objects.Values, o => o["object"]?.GetValue<string>() == "account"
                                                      && o["metadata"]?["provider_id"]?.GetValue<string>() == providerId.ToString());
    }

    [Fact]
    public async Task A_manual_provider_is_409()
    {
        var (owner, _) = await app.RegisterProviderAsync("manual");
        await (await app.Client(owner.AccessToken).PostAsync(Url, null)).AssertProblem(HttpStatusCode.Conflict, "not_stripe_connect");
    }

    [Fact]
    public async Task A_user_who_is_not_a_provider_is_403()
    {
        var user = await app.CreateAsync();
        await (await app.Client(user.AccessToken).PostAsync(Url, null)).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        await (await app.Client().PostAsync(Url, null)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Without_a_stripe_key_it_is_503(string? key)
    {
        var (owner, _) = await app.RegisterProviderAsync("stripe_connect");
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Stripe:SecretKey"] = key });
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", owner.AccessToken);
        await (await client.PostAsync(Url, null)).AssertProblem(HttpStatusCode.ServiceUnavailable, "stripe_not_configured");
    }

    [Fact]
    public async Task A_stripe_error_is_a_502_without_stripes_text()
    {
        var (owner, providerId) = await app.RegisterProviderAsync("stripe_connect");
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Stripe:SecretKey"] = "sk_test_revoked_key" });
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", owner.AccessToken);

        var problem = await (await client.PostAsync(Url, null)).AssertProblem(HttpStatusCode.BadGateway, "stripe_error");

        Assert.DoesNotContain("API Key", problem.GetRawText(), StringComparison.OrdinalIgnoreCase);
        using var db = app.Db();
        Assert.Null(await db.Providers.Where(p => p.Id == providerId).Select(p => p.StripeConnectAccountId).SingleAsync());
    }

    [Fact]
    public async Task An_unreachable_stripe_is_a_502()
    {
        var (owner, _) = await app.RegisterProviderAsync("stripe_connect");
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Stripe:ApiBase"] = $"http://127.0.0.1:{AppFixture.FreePort()}" });
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", owner.AccessToken);
        await (await client.PostAsync(Url, null)).AssertProblem(HttpStatusCode.BadGateway, "stripe_error");
    }

    [Fact]
    public async Task A_Stripe_too_slow_to_answer_is_a_504_stripe_unavailable_with_Retry_After_and_a_retry_makes_one_account()
    {
        var (owner, providerId) = await app.RegisterProviderAsync("stripe_connect");
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Stripe:TimeoutSeconds"] = "1" });
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", owner.AccessToken);
        using (app.Stripe.Inject(r => r.Path == "/v1/accounts" && r.Form.GetValueOrDefault("metadata[provider_id]") == providerId.ToString(), delay: TimeSpan.FromSeconds(30)))
        {
            var slow = await client.PostAsync(Url, null);
            await slow.AssertProblem(HttpStatusCode.GatewayTimeout, "stripe_unavailable");
            Assert.Equal(TimeSpan.FromSeconds(1), slow.Headers.RetryAfter?.Delta);
        }

        await (await client.PostAsync(Url, null)).AssertJson(HttpStatusCode.OK);
        Assert.Single(app.Stripe.Objects.Values, o => (string?)o["object"] == "account" && (string?)o["metadata"]?["provider_id"] == providerId.ToString());
    }
}

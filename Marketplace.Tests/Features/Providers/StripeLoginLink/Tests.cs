using System.Net;
using Marketplace.Tests.Features.Listings;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Providers.StripeLoginLink;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Connect = "/api/v1/marketplace/providers/me/stripe-connect";
    private const string Url = "/api/v1/marketplace/providers/me/stripe-connect/login-link";

    [Fact]
    public async Task An_onboarded_provider_gets_an_express_dashboard_link()
    {
        var (owner, _) = await app.RegisterProviderAsync("stripe_connect");
        var client = app.Client(owner.AccessToken);
        var accountId = (await (await client.PostAsync(Connect, null)).AssertJson(HttpStatusCode.OK)).GetProperty("accountId").GetString()!;
        app.Stripe.CompleteOnboarding(accountId);
        await (await client.GetAsync(Connect)).AssertJson(HttpStatusCode.OK);

        var json = await (await client.PostAsync(Url, null)).AssertJson(HttpStatusCode.OK);

        Assert.StartsWith("https://connect.stripe.com/express/", json.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.Single(app.Stripe.RequestsTo($"/v1/accounts/{accountId}/login_links"));
    }

    [Fact]
    public async Task Before_onboarding_started_it_is_409()
    {
        var (owner, _) = await app.RegisterProviderAsync("stripe_connect");
        await (await app.Client(owner.AccessToken).PostAsync(Url, null)).AssertProblem(HttpStatusCode.Conflict, "stripe_account_missing");
    }

    [Fact]
    public async Task Before_the_details_are_submitted_it_is_409()
    {
        var (owner, _) = await app.RegisterProviderAsync("stripe_connect");
        var client = app.Client(owner.AccessToken);
        await (await client.PostAsync(Connect, null)).AssertJson(HttpStatusCode.OK);
        await (await client.PostAsync(Url, null)).AssertProblem(HttpStatusCode.Conflict, "onboarding_incomplete");
    }

    [Fact]
    public async Task Without_a_stripe_key_it_is_503()
    {
        var (owner, _) = await app.RegisterProviderAsync("stripe_connect");
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Stripe:SecretKey"] = null });
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", owner.AccessToken);
        await (await client.PostAsync(Url, null)).AssertProblem(HttpStatusCode.ServiceUnavailable, "stripe_not_configured");
    }

    [Fact]
    public async Task A_user_who_is_not_a_provider_is_403()
    {
        var user = await app.CreateAsync();
        await (await app.Client(user.AccessToken).PostAsync(Url, null)).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
    }
}

using System.Net;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Features.Listings;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Providers.GetStripeConnect;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = "/api/v1/marketplace/providers/me/stripe-connect";

    [Fact]
    public async Task Before_onboarding_it_reports_no_account()
    {
        var (owner, _) = await app.RegisterProviderAsync("stripe_connect");
        var json = await (await app.Client(owner.AccessToken).GetAsync(Url)).AssertJson(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("accountId").ValueKind);
        Assert.Equal("pending", json.GetProperty("providerStatus").GetString());
    }

    [Fact]
    public async Task An_account_still_onboarding_keeps_the_provider_pending()
    {
        var (owner, providerId) = await app.RegisterProviderAsync("stripe_connect");
        var client = app.Client(owner.AccessToken);
        await (await client.PostAsync(Url, null)).AssertJson(HttpStatusCode.OK);

        var json = await (await client.GetAsync(Url)).AssertJson(HttpStatusCode.OK);

        Assert.False(json.GetProperty("chargesEnabled").GetBoolean());
        Assert.False(json.GetProperty("onboardingComplete").GetBoolean());
        Assert.Contains("external_account", json.GetProperty("requirementsCurrentlyDue").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("pending", json.GetProperty("providerStatus").GetString());
        Assert.DoesNotContain("activated:pending->active", await app.AuditTrailAsync("provider", providerId));
    }

    [Fact]
    public async Task Charges_and_payouts_enabled_activate_the_provider_once()
    {
        var (owner, providerId) = await app.RegisterProviderAsync("stripe_connect");
        var client = app.Client(owner.AccessToken);
        var accountId = (await (await client.PostAsync(Url, null)).AssertJson(HttpStatusCode.OK)).GetProperty("accountId").GetString()!;
        app.Stripe.CompleteOnboarding(accountId);

        var json = await (await client.GetAsync(Url)).AssertJson(HttpStatusCode.OK);
        await (await client.GetAsync(Url)).AssertJson(HttpStatusCode.OK);

        Assert.True(json.GetProperty("chargesEnabled").GetBoolean());
        Assert.True(json.GetProperty("payoutsEnabled").GetBoolean());
        Assert.True(json.GetProperty("detailsSubmitted").GetBoolean());
        Assert.True(json.GetProperty("onboardingComplete").GetBoolean());
        Assert.Equal("active", json.GetProperty("providerStatus").GetString());
        Assert.Equal(JsonValueKind.String, json.GetProperty("activatedAt").ValueKind);

        using var db = app.Db();
        var stored = await db.Providers.SingleAsync(p => p.Id == providerId);
        Assert.Equal("active", stored.Status);
        Assert.NotNull(stored.ActivatedAt);
        Assert.True(stored.StripeConnectOnboardingComplete && stored.StripeConnectPayoutsEnabled && stored.StripeConnectDetailsSubmitted);
        Assert.Single(await app.AuditTrailAsync("provider", providerId), a => a == "activated:pending->active");
    }

    [Fact]
    public async Task Payouts_still_disabled_keep_the_provider_pending()
    {
        var (owner, _) = await app.RegisterProviderAsync("stripe_connect");
        var client = app.Client(owner.AccessToken);
        var accountId = (await (await client.PostAsync(Url, null)).AssertJson(HttpStatusCode.OK)).GetProperty("accountId").GetString()!;
        app.Stripe.CompleteOnboarding(accountId, chargesEnabled: true, payoutsEnabled: false);

        var json = await (await client.GetAsync(Url)).AssertJson(HttpStatusCode.OK);

        Assert.True(json.GetProperty("detailsSubmitted").GetBoolean());
        Assert.False(json.GetProperty("onboardingComplete").GetBoolean());
        Assert.Equal("pending", json.GetProperty("providerStatus").GetString());
    }

    [Fact]
    public async Task A_suspended_provider_is_not_reactivated_by_its_account()
    {
        var (owner, providerId) = await app.RegisterProviderAsync("stripe_connect");
        var client = app.Client(owner.AccessToken);
        var accountId = (await (await client.PostAsync(Url, null)).AssertJson(HttpStatusCode.OK)).GetProperty("accountId").GetString()!;
        using (var db = app.Db())
        {
            await db.Providers.Where(p => p.Id == providerId).Set(p => p.Status, "suspended").UpdateAsync();
        }
        app.Stripe.CompleteOnboarding(accountId);

        var json = await (await client.GetAsync(Url)).AssertJson(HttpStatusCode.OK);
        Assert.Equal("suspended", json.GetProperty("providerStatus").GetString());
    }

    [Fact]
    public async Task Without_a_stripe_key_it_is_503()
    {
        var (owner, _) = await app.RegisterProviderAsync("stripe_connect");
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Stripe:SecretKey"] = "" });
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", owner.AccessToken);
        await (await client.GetAsync(Url)).AssertProblem(HttpStatusCode.ServiceUnavailable, "stripe_not_configured");
    }

    [Fact]
    public async Task An_account_stripe_does_not_know_is_a_502()
    {
        var (owner, providerId) = await app.RegisterProviderAsync("stripe_connect");
        using (var db = app.Db())
        {
            await db.Providers.Where(p => p.Id == providerId).Set(p => p.StripeConnectAccountId, $"acct_gone{Guid.NewGuid():N}"[..24]).UpdateAsync();
        }
        await (await app.Client(owner.AccessToken).GetAsync(Url)).AssertProblem(HttpStatusCode.BadGateway, "stripe_error");
    }

    [Fact]
    public async Task A_user_who_is_not_a_provider_is_403()
    {
        var user = await app.CreateAsync();
        await (await app.Client(user.AccessToken).GetAsync(Url)).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
    }
}

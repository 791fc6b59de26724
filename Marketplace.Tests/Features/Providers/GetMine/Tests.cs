using System.Net;
using Marketplace.Tests.Features.Listings;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Providers.GetMine;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = "/api/v1/marketplace/providers/me";

    [Fact]
    public async Task The_owner_sees_stripe_and_payment_settings_and_statistics()
    {
        var (owner, providerId) = await app.RegisterProviderAsync("manual", b => b["paymentInstructions"] = "Cash only");
        var json = await (await app.Client(owner.AccessToken).GetAsync(Url)).AssertJson(HttpStatusCode.OK);
        Assert.Equal(providerId, json.GetProperty("id").GetInt32());
        Assert.Equal(owner.Id, json.GetProperty("userId").GetInt32());
        Assert.Equal("manual", json.GetProperty("paymentMode").GetString());
        Assert.Equal("Cash only", json.GetProperty("paymentInstructions").GetString());
        Assert.True(json.TryGetProperty("stripeConnectAccountId", out _));
        Assert.True(json.TryGetProperty("totalRevenueCents", out _));
    }

    [Fact]
    public async Task A_user_who_is_not_a_provider_is_403()
    {
        var user = await app.CreateAsync();
        await (await app.Client(user.AccessToken).GetAsync(Url)).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        await (await app.Client().GetAsync(Url)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}

using System.Net;
using LinqToDB;
using Marketplace.Tests.Features.Listings;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Providers.GetPublic;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task An_active_provider_is_public_without_stripe_revenue_or_payment_settings()
    {
        var (_, providerId) = await app.RegisterProviderAsync("manual", b => b["paymentInstructions"] = "secret-ish instructions");
        var response = await app.Client().GetAsync($"/api/v1/marketplace/providers/{providerId}");
        var json = await response.AssertJson(HttpStatusCode.OK);
        Assert.Equal(providerId, json.GetProperty("id").GetInt32());
        var body = json.GetRawText();
        foreach (var hidden in new[] { "stripe", "Revenue", "payout", "paymentMode", "paymentInstructions", "userId", "tenant" })
        {
            Assert.DoesNotContain(hidden, body, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("pending")]
    [InlineData("suspended")]
    public async Task A_provider_that_is_not_active_is_404(string status)
    {
        var provider = await app.CreateProviderAsync(status: status);
        var response = await app.Client().GetAsync($"/api/v1/marketplace/providers/{provider.Id}");
        await response.AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_deleted_provider_is_404()
    {
        var provider = await app.CreateProviderAsync();
        using (var db = app.Db())
        {
            await db.Providers.Where(p => p.Id == provider.Id).Set(p => p.DeletedAt, DateTime.UtcNow).UpdateAsync();
        }
        await (await app.Client().GetAsync($"/api/v1/marketplace/providers/{provider.Id}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task An_unknown_provider_is_404()
    {
        await (await app.Client().GetAsync("/api/v1/marketplace/providers/2147483000")).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }
}

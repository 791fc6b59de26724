using System.Net;
using System.Net.Http.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Admin.Providers;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int id, string action) => $"{AdminApi.Base}/providers/{id}/{action}";

    private async Task<TestProvider> BreederAsync(int? providerTenant, int? userTenant)
    {
        var provider = await app.CreateProviderAsync();
        using var db = app.Db();
        await db.Providers.Where(p => p.Id == provider.Id).Set(p => p.TenantId, providerTenant).UpdateAsync();
        await db.Users.Where(u => u.Id == provider.Owner.Id).Set(u => u.TenantId, userTenant).UpdateAsync();
        return provider;
    }

    [Fact]
    public async Task Verifying_the_tenant_marks_the_user_and_the_provider_verified_once()
    {
        var admin = await app.CreateAdminAsync();
        var provider = await BreederAsync(1204, null);
        var client = app.Client(admin.AccessToken);

        var json = await (await client.PostJson(Url(provider.Id, "verify-tenant"), new { reason = "Registry checked." })).AssertJson(HttpStatusCode.OK);

        Assert.True(json.GetProperty("tenantVerified").GetBoolean());
        using (var db = app.Db())
        {
            var user = await db.Users.Where(u => u.Id == provider.Owner.Id).Select(u => new { u.TenantId, u.TenantVerified }).SingleAsync();
            Assert.Equal(((int?)1204, true), (user.TenantId, user.TenantVerified));
        }
        var me = await (await app.Client(provider.Owner.AccessToken).GetAsync("/api/v1/marketplace/auth/me")).AssertJson(HttpStatusCode.OK);
        Assert.True(me.GetProperty("tenantVerified").GetBoolean());

        await (await client.PostJson(Url(provider.Id, "verify-tenant"), new { reason = "Again." })).AssertJson(HttpStatusCode.OK);
        Assert.Equal(["tenant_verified:-> by admin#" + admin.Id], await app.AdminAuditAsync("provider", provider.Id));
        Assert.Equal(["provider.tenant_verified"], app.EventTypesOf("provider", provider.Id));
    }

    [Fact]
    public async Task A_provider_without_a_tenant_or_with_a_mismatched_owner_is_409()
    {
        var admin = await app.CreateAdminAsync();
        var client = app.Client(admin.AccessToken);
        var none = await BreederAsync(null, null);
        await (await client.PostJson(Url(none.Id, "verify-tenant"), new { reason = "x" })).AssertProblem(HttpStatusCode.Conflict, "no_tenant");
        var mismatch = await BreederAsync(10, 11);
        await (await client.PostJson(Url(mismatch.Id, "verify-tenant"), new { reason = "x" })).AssertProblem(HttpStatusCode.Conflict, "tenant_mismatch");
        await (await client.PostJson(Url(999999999, "verify-tenant"), new { reason = "x" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await client.PostJson(Url(none.Id, "verify-tenant"), new { })).AssertValidationError("reason");
    }

    [Fact]
    public async Task Badges_are_set_shown_publicly_and_audited_only_when_they_change()
    {
        var admin = await app.CreateAdminAsync();
        var provider = await app.CreateProviderAsync();
        var client = app.Client(admin.AccessToken);

        var json = await (await client.PutAsJsonAsync(Url(provider.Id, "badges"), new { verifiedProvider = true, premiumProvider = true, reason = "Licence checked." }))
            .AssertJson(HttpStatusCode.OK);
        Assert.True(json.GetProperty("verifiedProvider").GetBoolean());
        Assert.True(json.GetProperty("premiumProvider").GetBoolean());
        var page = await (await app.Client().GetAsync($"/api/v1/marketplace/providers/{provider.Id}")).AssertJson(HttpStatusCode.OK);
        Assert.True(page.GetProperty("verifiedProvider").GetBoolean());

        await (await client.PutAsJsonAsync(Url(provider.Id, "badges"), new { verifiedProvider = true, premiumProvider = true, reason = "Same." })).AssertJson(HttpStatusCode.OK);
        await (await client.PutAsJsonAsync(Url(provider.Id, "badges"), new { verifiedProvider = true, premiumProvider = false, reason = "Plan ended." })).AssertJson(HttpStatusCode.OK);
        Assert.Equal(2, (await app.AdminAuditAsync("provider", provider.Id)).Count);
        Assert.Equal(["provider.badges_changed", "provider.badges_changed"], app.EventTypesOf("provider", provider.Id));

        await (await client.PutAsJsonAsync(Url(provider.Id, "badges"), new { verifiedProvider = true, reason = "x" })).AssertValidationError("premiumProvider");
        await (await client.PutAsJsonAsync(Url(provider.Id, "badges"), new { verifiedProvider = true, premiumProvider = true, quickResponder = true, reason = "x" }))
            .AssertProblem(HttpStatusCode.BadRequest, "unknown_field");
        await (await client.PutAsJsonAsync(Url(999999999, "badges"), new { verifiedProvider = true, premiumProvider = true, reason = "x" }))
            .AssertProblem(HttpStatusCode.NotFound, "not_found");
    }
}

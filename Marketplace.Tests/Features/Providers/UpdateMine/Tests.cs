using System.Net;
using System.Text.Json;
using Marketplace.Api.Features.Providers.UpdateMine;
using Marketplace.Tests.Features.Listings;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Providers.UpdateMine;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = "/api/v1/marketplace/providers/me";

    [Fact]
    public async Task An_absent_field_is_unchanged_and_an_explicit_null_clears_it()
    {
        var (owner, _) = await app.RegisterProviderAsync("manual", b =>
        {
            b["publicPhone"] = "+1 512 555 0100";
            b["website"] = "https://paws.test";
            b["zip"] = "78701";
        });
        var client = app.Client(owner.AccessToken);

        var response = await client.PatchAsync(Url, new StringContent(
            """{ "businessName": "Renamed Paws", "website": null, "businessHours": { "fri": [ { "open": "08:00", "close": "16:00" } ] } }""",
            System.Text.Encoding.UTF8, "application/json"));

        var json = await response.AssertJson(HttpStatusCode.OK);
        Assert.Equal("Renamed Paws", json.GetProperty("businessName").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("website").ValueKind);
        Assert.Equal("+1 512 555 0100", json.GetProperty("publicPhone").GetString());
        Assert.Equal("78701", json.GetProperty("zip").GetString());
        Assert.Equal("Austin", json.GetProperty("city").GetString());
        Assert.Equal("08:00", json.GetProperty("businessHours").GetProperty("fri")[0].GetProperty("open").GetString());

        var again = await (await client.GetAsync(Url)).AssertJson(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, again.GetProperty("website").ValueKind);
    }

    [Fact]
    public async Task The_business_name_cannot_be_cleared()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var response = await app.Client(owner.AccessToken).PatchAsync(Url,
            new StringContent("""{ "businessName": null }""", System.Text.Encoding.UTF8, "application/json"));
        await response.AssertValidationError("businessName");
    }

    [Fact]
    public async Task An_empty_body_is_400()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var response = await app.Client(owner.AccessToken).PatchAsync(Url, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        await response.AssertValidationError("request");
    }

    [Fact]
    public async Task A_time_zone_must_be_a_real_IANA_zone()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var response = await app.Client(owner.AccessToken).PatchJson(Url, new { timeZone = "Nowhere/Special" });
        await response.AssertValidationError("timeZone");
        var ok = await app.Client(owner.AccessToken).PatchJson(Url, new { timeZone = "Europe/Berlin" });
        Assert.Equal("Europe/Berlin", (await ok.AssertJson(HttpStatusCode.OK)).GetProperty("timeZone").GetString());
    }

    [Fact]
    public async Task A_tenant_needs_a_breeder()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var client = app.Client(owner.AccessToken);
        await (await client.PatchJson(Url, new { tenantId = 12 })).AssertValidationError("tenantId");
        var json = await (await client.PatchJson(Url, new { providerType = "both", tenantId = 12 })).AssertJson(HttpStatusCode.OK);
        Assert.Equal(12, json.GetProperty("tenantId").GetInt32());
    }

    [Fact]
    public async Task A_user_who_is_not_a_provider_is_403()
    {
        var user = await app.CreateAsync();
        await (await app.Client(user.AccessToken).PatchJson(Url, new { city = "Dallas" })).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
    }

    [Fact]
    public void The_patch_request_records_which_fields_the_body_carried()
    {
        var request = JsonSerializer.Deserialize<Request>("""{ "city": null, "zip": "78702" }""", JsonSerializerOptions.Web)!;
        Assert.True(request.Has(nameof(Request.City)));
        Assert.Null(request.City);
        Assert.True(request.Has(nameof(Request.Zip)));
        Assert.False(request.Has(nameof(Request.State)));
        Assert.Equal(2, request.PresentProperties.Count);
    }
}

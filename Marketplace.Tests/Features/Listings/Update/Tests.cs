using System.Net;
using System.Text;
using System.Text.Json;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings.Update;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Absent_fields_stay_nulls_clear_and_the_slug_never_changes()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var created = await app.CreateListingAsync(owner);
        var id = created.GetProperty("id").GetInt32();

        var response = await app.Client(owner.AccessToken).PatchAsync($"/api/v1/marketplace/listings/{id}",
            Json("""{ "title": "Cat grooming in Dallas", "zip": null, "images": [] }"""));

        var json = await response.AssertJson(HttpStatusCode.OK);
        Assert.Equal("Cat grooming in Dallas", json.GetProperty("title").GetString());
        Assert.Equal(created.GetProperty("slug").GetString(), json.GetProperty("slug").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("zip").ValueKind);
        Assert.Equal(0, json.GetProperty("images").GetArrayLength());
        Assert.Equal("Austin", json.GetProperty("city").GetString());
        Assert.Equal(6500, json.GetProperty("priceCents").GetInt64());
    }

    [Fact]
    public async Task The_price_rules_apply_to_the_result()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var id = (await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();
        var client = app.Client(owner.AccessToken);

        await (await client.PatchJson($"/api/v1/marketplace/listings/{id}", new { priceType = "contact" })).AssertValidationError("priceCents");
        await (await client.PatchAsync($"/api/v1/marketplace/listings/{id}", Json("""{ "priceCents": null }"""))).AssertValidationError("priceCents");

        var ok = await (await client.PatchAsync($"/api/v1/marketplace/listings/{id}", Json("""{ "priceType": "contact", "priceCents": null }""")))
            .AssertJson(HttpStatusCode.OK);
        Assert.Equal("contact", ok.GetProperty("priceType").GetString());
    }

    [Fact]
    public async Task Title_and_category_cannot_be_cleared()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var id = (await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();
        var client = app.Client(owner.AccessToken);
        await (await client.PatchAsync($"/api/v1/marketplace/listings/{id}", Json("""{ "title": null }"""))).AssertValidationError("title");
        await (await client.PatchAsync($"/api/v1/marketplace/listings/{id}", Json("""{ "category": "cats" }"""))).AssertValidationError("category");
    }

    [Fact]
    public async Task An_active_listing_must_stay_complete()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var id = (await app.CreatePublishedListingAsync(owner)).GetProperty("id").GetInt32();
        var response = await app.Client(owner.AccessToken).PatchAsync($"/api/v1/marketplace/listings/{id}", Json("""{ "description": null }"""));
        await response.AssertProblem(HttpStatusCode.Conflict, "listing_incomplete");
    }

    [Fact]
    public async Task Another_providers_listing_is_404()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var (other, _) = await app.RegisterProviderAsync();
        var id = (await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();
        var response = await app.Client(other.AccessToken).PatchJson($"/api/v1/marketplace/listings/{id}", new { title = "Mine now" });
        await response.AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_deleted_listing_is_404()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var id = (await app.CreateListingAsync(owner)).GetProperty("id").GetInt32();
        var client = app.Client(owner.AccessToken);
        await client.DeleteAsync($"/api/v1/marketplace/listings/{id}");
        await (await client.PatchJson($"/api/v1/marketplace/listings/{id}", new { title = "Back" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        await (await app.Client().PatchJson("/api/v1/marketplace/listings/1", new { title = "x" })).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}

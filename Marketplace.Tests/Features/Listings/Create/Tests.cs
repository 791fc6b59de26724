using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Features.Listings.Create;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Listings.Create;

public sealed partial class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = "/api/v1/marketplace/listings";

    [Fact]
    public async Task A_provider_creates_a_draft_with_a_readable_unique_slug()
    {
        var (owner, providerId) = await app.RegisterProviderAsync();

        var json = await app.CreateListingAsync(owner, b => b["title"] = "Dog Grooming in Austin!");

        Assert.Equal("draft", json.GetProperty("status").GetString());
        Assert.Matches(SlugPattern(), json.GetProperty("slug").GetString());
        Assert.StartsWith("dog-grooming-in-austin-", json.GetProperty("slug").GetString(), StringComparison.Ordinal);
        Assert.Equal(6500, json.GetProperty("priceCents").GetInt64());
        Assert.Equal(2, json.GetProperty("images").GetArrayLength());
        Assert.Equal("https://img.example.test/1.jpg", json.GetProperty("coverImageUrl").GetString());
        Assert.Equal(providerId, json.GetProperty("provider").GetProperty("id").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("publishedAt").ValueKind);

        var id = json.GetProperty("id").GetInt32();
        Assert.Equal(["create:->draft"], await app.AuditTrailAsync("listing", id));
        await app.AssertCountersExactAsync(providerId);
        using var db = app.Db();
        Assert.Equal(1, await db.Providers.Where(p => p.Id == providerId).Select(p => p.TotalListings).SingleAsync());
    }

    [Fact]
    public async Task The_same_title_twice_gets_two_slugs()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var a = await app.CreateListingAsync(owner, b => b["title"] = "Puppy training");
        var b = await app.CreateListingAsync(owner, b => b["title"] = "Puppy training");
        Assert.NotEqual(a.GetProperty("slug").GetString(), b.GetProperty("slug").GetString());
    }

    [Fact]
    public async Task A_pending_provider_may_create_drafts()
    {
        var (owner, _) = await app.RegisterProviderAsync("stripe_connect");
        await app.CreateListingAsync(owner);
    }

    [Fact]
    public async Task A_suspended_provider_is_403()
    {
        var provider = await app.CreateProviderAsync(status: "suspended");
        var response = await app.Client(provider.Owner.AccessToken).PostJson(Url, ListingsApi.ListingBody());
        await response.AssertProblem(HttpStatusCode.Forbidden, "provider_suspended");
    }

    [Fact]
    public async Task A_user_who_is_not_a_provider_is_403()
    {
        var user = await app.CreateAsync();
        await (await app.Client(user.AccessToken).PostJson(Url, ListingsApi.ListingBody())).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        await (await app.Client().PostJson(Url, ListingsApi.ListingBody())).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    public static TheoryData<string, string, object?> InvalidFields => new()
    {
        { "title", "title", "" },
        { "title", "title", new string('t', 201) },
        { "category", "category", "cats" },
        { "priceType", "priceType", "free" },
        { "priceCents", "priceCents", -1 },
        { "images", "images", Enumerable.Range(0, 21).Select(i => $"https://img.example.test/{i}.jpg").ToArray() },
        { "images", "images", new[] { "http://insecure.example.test/1.jpg" } },
        { "coverImageUrl", "coverImageUrl", "ftp://example.test/x.jpg" },
        { "keywords", "keywords", new string('k', 501) },
        { "metaDescription", "metaDescription", new string('m', 301) },
    };

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public async Task Invalid_fields_are_400(string field, string errorField, object? value)
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var response = await app.Client(owner.AccessToken).PostJson(Url, ListingsApi.ListingBody(b => b[field] = value));
        await response.AssertValidationError(errorField);
    }

    [Theory]
    [InlineData("fixed")]
    [InlineData("hourly")]
    [InlineData("daily")]
    public async Task A_price_is_required_for_fixed_hourly_and_daily(string priceType)
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var response = await app.Client(owner.AccessToken).PostJson(Url, ListingsApi.ListingBody(b =>
        {
            b["priceType"] = priceType;
            b["priceCents"] = null;
        }));
        await response.AssertValidationError("priceCents");
    }

    [Fact]
    public async Task A_price_is_forbidden_for_contact()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var response = await app.Client(owner.AccessToken).PostJson(Url, ListingsApi.ListingBody(b => b["priceType"] = "contact"));
        await response.AssertValidationError("priceCents");

        var ok = await app.CreateListingAsync(owner, b =>
        {
            b["priceType"] = "contact";
            b["priceCents"] = null;
            b["priceText"] = "Contact for quote";
        });
        Assert.Equal(JsonValueKind.Null, ok.GetProperty("priceCents").ValueKind);
    }

    [Fact]
    public async Task A_price_needs_a_price_type()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var response = await app.Client(owner.AccessToken).PostJson(Url, ListingsApi.ListingBody(b => b["priceType"] = null));
        await response.AssertValidationError("priceType");
    }

    [Theory]
    [InlineData("Dog Grooming in Austin", "dog-grooming-in-austin")]
    [InlineData("  Crème brûlée -- Pâtisserie & Café ", "creme-brulee-patisserie-and-cafe")]
    [InlineData("Straße für Hunde", "strasse-fur-hunde")]
    [InlineData("!!!", "listing")]
    [InlineData("日本の犬", "listing")]
    [InlineData("2024", "2024")]
    public void A_slug_base_is_ascii_lowercase_and_hyphenated(string title, string expected) =>
        Assert.Equal(expected, Slug.Base(title));

    [Fact]
    public void A_slug_is_bounded_and_ends_with_a_suffix_after_a_hyphen()
    {
        var slug = Slug.From(new string('a', 150) + " b");
        Assert.Matches(SlugPattern(), slug);
        Assert.True(slug.Length <= Slug.MaxBaseLength + 5);
        Assert.Matches("-[a-z0-9]{4}$", Slug.From("2024"));
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex SlugPattern();
}

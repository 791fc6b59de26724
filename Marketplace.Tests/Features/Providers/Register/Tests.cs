using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Features.Listings;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Providers.Register;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = "/api/v1/marketplace/providers/register";

    [Fact]
    public async Task A_manual_provider_is_active_at_once_and_the_user_becomes_a_provider()
    {
        var user = await app.CreateAsync();
        var response = await app.Client(user.AccessToken).PostJson(Url, new
        {
            businessName = "  Happy Tails Grooming ",
            paymentMode = "manual",
            paymentInstructions = "Pay cash at pick-up.",
            publicEmail = "hello@happytails.test",
            website = "https://happytails.test",
            city = "Austin",
            state = "TX",
            zip = "78701",
            businessHours = new Dictionary<string, object>
            {
                ["mon"] = new[] { new { open = "09:00", close = "12:00" }, new { open = "13:00", close = "17:30" } },
                ["sat"] = new[] { new { open = "10:00", close = "24:00" } },
                ["sun"] = Array.Empty<object>(),
            },
            timeZone = "America/Chicago",
        });

        var json = await response.AssertJson(HttpStatusCode.Created);
        Assert.Equal("Happy Tails Grooming", json.GetProperty("businessName").GetString());
        Assert.Equal("active", json.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.String, json.GetProperty("activatedAt").ValueKind);
        Assert.Equal("service_provider", json.GetProperty("providerType").GetString());
        Assert.Equal("US", json.GetProperty("country").GetString());
        Assert.Equal("13:00", json.GetProperty("businessHours").GetProperty("mon")[1].GetProperty("open").GetString());
        Assert.Equal("America/Chicago", json.GetProperty("timeZone").GetString());
        Assert.Equal(0, json.GetProperty("totalListings").GetInt32());

        using var db = app.Db();
        var stored = await db.Users.SingleAsync(u => u.Id == user.Id);
        Assert.Equal("provider", stored.UserType);
        var id = json.GetProperty("id").GetInt32();
        Assert.Equal(["register:->active"], await app.AuditTrailAsync("provider", id));
    }

    [Fact]
    public async Task A_stripe_connect_provider_stays_pending()
    {
        var (owner, providerId) = await app.RegisterProviderAsync("stripe_connect");
        var json = await (await app.Client(owner.AccessToken).GetAsync("/api/v1/marketplace/providers/me")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(providerId, json.GetProperty("id").GetInt32());
        Assert.Equal("pending", json.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("activatedAt").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("stripeConnectAccountId").ValueKind);
    }

    [Fact]
    public async Task A_user_who_already_saved_listings_becomes_both()
    {
        var seller = await app.CreateProviderAsync();
        var listing = await app.CreateListingAsync(seller);
        var user = await app.CreateAsync();
        using (var db = app.Db())
        {
            await db.InsertAsync(new Api.Data.SavedListingRow { UserId = user.Id, ListingId = listing, SavedAt = DateTime.UtcNow });
        }

        await (await app.Client(user.AccessToken).PostJson(Url, new { businessName = "Both Ways", paymentMode = "offline" })).AssertJson(HttpStatusCode.Created);

        using var check = app.Db();
        Assert.Equal("both", (await check.Users.SingleAsync(u => u.Id == user.Id)).UserType);
    }

    [Fact]
    public async Task A_breeder_tenant_is_stored_unverified()
    {
        var user = await app.CreateAsync();
        var json = await (await app.Client(user.AccessToken).PostJson(Url, new { businessName = "Kennel", providerType = "breeder", tenantId = 4242, paymentMode = "manual" }))
            .AssertJson(HttpStatusCode.Created);
        Assert.Equal(4242, json.GetProperty("tenantId").GetInt32());
        Assert.False(json.GetProperty("tenantVerified").GetBoolean());
        using var db = app.Db();
        var stored = await db.Users.SingleAsync(u => u.Id == user.Id);
        Assert.Equal(4242, stored.TenantId);
        Assert.False(stored.TenantVerified);
    }

    [Fact]
    public async Task A_second_registration_is_409()
    {
        var (owner, _) = await app.RegisterProviderAsync();
        var response = await app.Client(owner.AccessToken).PostJson(Url, new { businessName = "Again" });
        await response.AssertProblem(HttpStatusCode.Conflict, "already_a_provider");
    }

    [Fact]
    public async Task An_unverified_user_is_403()
    {
        var user = await app.CreateAsync(verified: false);
        var response = await app.Client(user.AccessToken).PostJson(Url, new { businessName = "Nope" });
        await response.AssertProblem(HttpStatusCode.Forbidden, "email_not_verified");
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        var response = await app.Client().PostJson(Url, new { businessName = "Nope" });
        await response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("businessName", "")]
    [InlineData("providerType", "shop")]
    [InlineData("paymentMode", "paypal")]
    [InlineData("timeZone", "Mars/Olympus")]
    [InlineData("timeZone", "Eastern Standard Time")]
    [InlineData("logoUrl", "http://insecure.test/logo.png")]
    [InlineData("website", "not a url")]
    [InlineData("publicEmail", "not-an-email")]
    [InlineData("country", "usa")]
    public async Task Invalid_fields_are_400(string field, string value)
    {
        var user = await app.CreateAsync();
        var body = new Dictionary<string, object?> { ["businessName"] = "Valid", [field] = value };
        var response = await app.Client(user.AccessToken).PostJson(Url, body);
        await response.AssertValidationError(field);
    }

    [Fact]
    public async Task A_business_name_longer_than_its_column_is_400()
    {
        var user = await app.CreateAsync();
        var response = await app.Client(user.AccessToken).PostJson(Url, new { businessName = new string('x', 201) });
        await response.AssertValidationError("businessName");
    }

    [Fact]
    public async Task A_tenant_id_is_only_for_breeders()
    {
        var user = await app.CreateAsync();
        var response = await app.Client(user.AccessToken).PostJson(Url, new { businessName = "Groomer", providerType = "service_provider", tenantId = 7 });
        await response.AssertValidationError("tenantId");
    }

    public static TheoryData<string, object> InvalidHours => new()
    {
        { "unknown day", new Dictionary<string, object> { ["monday"] = new[] { new { open = "09:00", close = "17:00" } } } },
        { "open after close", new Dictionary<string, object> { ["mon"] = new[] { new { open = "18:00", close = "09:00" } } } },
        { "bad time", new Dictionary<string, object> { ["tue"] = new[] { new { open = "9am", close = "17:00" } } } },
        { "hour 25", new Dictionary<string, object> { ["wed"] = new[] { new { open = "09:00", close = "25:00" } } } },
        { "overlap", new Dictionary<string, object> { ["thu"] = new[] { new { open = "09:00", close = "13:00" }, new { open = "12:00", close = "17:00" } } } },
    };

    [Theory]
    [MemberData(nameof(InvalidHours))]
    public async Task Invalid_business_hours_are_400(string why, object hours)
    {
        Assert.NotNull(why);
        var user = await app.CreateAsync();
        var response = await app.Client(user.AccessToken).PostJson(Url, new { businessName = "Hours", businessHours = hours });
        await response.AssertValidationError("businessHours");
    }
}

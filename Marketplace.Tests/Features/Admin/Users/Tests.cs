using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Admin.Users;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Users = AdminApi.Base + "/users";

    [Fact]
    public async Task Searching_users_by_email_or_name_finds_them_and_pages_with_a_cursor()
    {
        var admin = await app.CreateAdminAsync();
        var marker = Guid.NewGuid().ToString("N")[..10];
        var a = await app.CreateAsync(firstName: "Zed" + marker, lastName: "One");
        var b = await app.CreateAsync(firstName: "Zed" + marker, lastName: "Two");
        var client = app.Client(admin.AccessToken);

        var first = await (await client.GetAsync($"{Users}?q=zed{marker}&limit=1")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(b.Id, first.GetProperty("items")[0].GetProperty("id").GetInt32());
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await (await client.GetAsync($"{Users}?q=zed{marker}&limit=1&cursor={Uri.EscapeDataString(cursor!)}")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(a.Id, second.GetProperty("items")[0].GetProperty("id").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);

        var byEmail = await (await client.GetAsync($"{Users}?q={Uri.EscapeDataString(a.Email.ToUpperInvariant())}")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(a.Id, Assert.Single(byEmail.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt32());

        // the cursor is bound to its filters
        await (await client.GetAsync($"{Users}?q=other&cursor={Uri.EscapeDataString(cursor!)}")).AssertProblem(HttpStatusCode.BadRequest, "invalid_cursor");
    }

    [Theory]
    [InlineData("status=banned", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("q=", "q")]
    public async Task Invalid_filters_are_400(string query, string field)
    {
        var admin = await app.CreateAdminAsync();
        await (await app.Client(admin.AccessToken).GetAsync($"{Users}?{query}")).AssertValidationError(field);
    }

    [Fact]
    public async Task The_detail_shows_profile_provider_counts_and_no_secret()
    {
        var admin = await app.CreateAdminAsync();
        var provider = await app.CreateProviderAsync();
        var buyer = await app.CreateAsync();
        await app.CreateTransactionAsync(buyer, provider, status: "paid");

        var response = await app.Client(admin.AccessToken).GetAsync($"{Users}/{provider.Owner.Id}");
        var body = await response.Content.ReadAsStringAsync();
        var json = await response.AssertJson(HttpStatusCode.OK);

        Assert.Equal(provider.Owner.Email, json.GetProperty("user").GetProperty("email").GetString());
        Assert.Equal(provider.Id, json.GetProperty("provider").GetProperty("id").GetInt32());
        Assert.Equal(1, json.GetProperty("counts").GetProperty("bookingsAsProvider").GetInt32());
        Assert.Equal(1, json.GetProperty("counts").GetProperty("openBookings").GetInt32());
        Assert.Equal(1, json.GetProperty("counts").GetProperty("liveSessions").GetInt32());
        Assert.DoesNotContain("password", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("token", body, StringComparison.OrdinalIgnoreCase);
        await (await app.Client(admin.AccessToken).GetAsync($"{Users}/999999999")).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Suspension_ends_the_users_sessions_at_once_and_hides_their_provider_from_public_reads()
    {
        var admin = await app.CreateAdminAsync();
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var buyer = await app.CreateAsync();
        var open = await app.CreateTransactionAsync(buyer, provider, listingId, status: "paid");
        await app.CreateTransactionAsync(buyer, provider, listingId, status: "completed");
        var owner = app.Client(provider.Owner.AccessToken);
        await (await owner.GetAsync("/api/v1/marketplace/auth/me")).AssertJson(HttpStatusCode.OK);
        await (await app.Client().GetAsync($"/api/v1/marketplace/providers/{provider.Id}")).AssertJson(HttpStatusCode.OK);

        var json = await (await app.Client(admin.AccessToken).PostJson($"{Users}/{provider.Owner.Id}/suspend", new { reason = "  Fraud reports.  " }))
            .AssertJson(HttpStatusCode.OK);

        Assert.Equal("suspended", json.GetProperty("user").GetProperty("user").GetProperty("status").GetString());
        Assert.Equal("Fraud reports.", json.GetProperty("user").GetProperty("user").GetProperty("suspendedReason").GetString());
        Assert.Equal("suspended", json.GetProperty("user").GetProperty("provider").GetProperty("status").GetString());
        var booking = Assert.Single(json.GetProperty("openBookings").EnumerateArray());
        Assert.Equal((open, "provider"), (booking.GetProperty("id").GetInt64(), booking.GetProperty("role").GetString()));

        // the very next request with the old token, and every public read of the provider
        await (await owner.GetAsync("/api/v1/marketplace/auth/me")).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await app.Client().GetAsync($"/api/v1/marketplace/providers/{provider.Id}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        using (var db = app.Db())
        {
            var slug = await db.Listings.Where(l => l.Id == listingId).Select(l => l.Slug).FirstAsync();
            await (await app.Client().GetAsync($"/api/v1/marketplace/listings/{slug}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        }
        await (await app.Client().PostJson("/api/v1/marketplace/auth/login", new { email = provider.Owner.Email, password = provider.Owner.Password }))
            .AssertProblem(HttpStatusCode.Forbidden, "account_suspended");

        Assert.Equal([$"suspend:active->suspended by admin#{admin.Id}"], await app.AdminAuditAsync("user", provider.Owner.Id));
        Assert.Equal([$"suspend:active->suspended by admin#{admin.Id}"], await app.AdminAuditAsync("provider", provider.Id));
        Assert.Contains("user.suspended", app.EventTypesOf("user", provider.Owner.Id));
        Assert.Contains("provider.suspended", app.EventTypesOf("provider", provider.Id));

        // twice is an illegal transition
        await (await app.Client(admin.AccessToken).PostJson($"{Users}/{provider.Owner.Id}/suspend", new { reason = "again" }))
            .AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task Reinstating_brings_the_user_and_their_provider_back()
    {
        var admin = await app.CreateAdminAsync();
        var provider = await app.CreateProviderAsync();
        var client = app.Client(admin.AccessToken);
        await (await client.PostJson($"{Users}/{provider.Owner.Id}/reinstate", new { reason = "not suspended" }))
            .AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        await (await client.PostJson($"{Users}/{provider.Owner.Id}/suspend", new { reason = "Spam." })).AssertJson(HttpStatusCode.OK);

        var json = await (await client.PostJson($"{Users}/{provider.Owner.Id}/reinstate", new { reason = "Appeal accepted." })).AssertJson(HttpStatusCode.OK);

        Assert.Equal("active", json.GetProperty("user").GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("user").GetProperty("suspendedAt").ValueKind);
        Assert.Equal("active", json.GetProperty("provider").GetProperty("status").GetString());
        await (await app.Client().GetAsync($"/api/v1/marketplace/providers/{provider.Id}")).AssertJson(HttpStatusCode.OK);
        await (await app.Client().PostJson("/api/v1/marketplace/auth/login", new { email = provider.Owner.Email, password = provider.Owner.Password }))
            .AssertJson(HttpStatusCode.OK);
        Assert.Equal([$"suspend:active->suspended by admin#{admin.Id}", $"reinstate:suspended->active by admin#{admin.Id}"],
            await app.AdminAuditAsync("provider", provider.Id));
        Assert.Equal(["user.suspended", "user.reinstated"], app.EventTypesOf("user", provider.Owner.Id));
    }

    [Fact]
    public async Task A_suspension_needs_a_reason_and_an_admin_cannot_suspend_themselves()
    {
        var admin = await app.CreateAdminAsync();
        var user = await app.CreateAsync();
        var client = app.Client(admin.AccessToken);
        await (await client.PostJson($"{Users}/{user.Id}/suspend", new { reason = "   " })).AssertValidationError("reason");
        await (await client.PostJson($"{Users}/{user.Id}/suspend", new { reason = new string('x', 501) })).AssertValidationError("reason");
        await (await client.PostJson($"{Users}/{user.Id}/suspend", new { reason = "x", extra = 1 })).AssertProblem(HttpStatusCode.BadRequest, "unknown_field");
        await (await client.PostJson($"{Users}/{admin.Id}/suspend", new { reason = "oops" })).AssertProblem(HttpStatusCode.Conflict, "cannot_suspend_self");
        await (await client.PostJson($"{Users}/999999999/suspend", new { reason = "x" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        using var db = app.Db();
        Assert.Equal("active", await db.Users.Where(u => u.Id == user.Id).Select(u => u.Status).FirstAsync());
    }

    [Fact]
    public async Task Concurrent_suspensions_answer_one_200_and_the_rest_409_with_one_audit_row()
    {
        var admin = await app.CreateAdminAsync();
        var provider = await app.CreateProviderAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            app.Client(admin.AccessToken).PostJson($"{Users}/{provider.Owner.Id}/suspend", new { reason = "Race." })));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Single(await app.AdminAuditAsync("user", provider.Owner.Id));
        Assert.Single(await app.AdminAuditAsync("provider", provider.Id));
    }
}

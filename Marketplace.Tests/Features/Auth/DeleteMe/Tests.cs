using System.Net;
using System.Net.Http.Json;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Tests.Features.Listings;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Auth.DeleteMe;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static HttpRequestMessage Delete(string? accessToken, object body) => new(HttpMethod.Delete, $"{AuthApi.Base}/me")
    {
        Content = JsonContent.Create(body),
        Headers = { Authorization = accessToken is null ? null : new("Bearer", accessToken) },
    };

    [Fact]
    public async Task A_provider_with_finished_bookings_is_anonymised_hidden_and_their_email_registers_again()
    {
        var booking = await app.BookAsync();
        var owner = booking.Provider.Owner;
        var email = owner.Email;
        var client = app.Client();

        // a booking not finished yet blocks both parties
        await (await client.SendAsync(Delete(owner.AccessToken, new { password = owner.Password }))).AssertProblem(HttpStatusCode.Conflict, "open_bookings");
        await (await client.SendAsync(Delete(booking.Client.AccessToken, new { password = booking.Client.Password }))).AssertProblem(HttpStatusCode.Conflict, "open_bookings");
        using (var db = app.Db())
        {
            await db.Transactions.Where(t => t.Id == booking.TransactionId).Set(t => t.Status, "completed").UpdateAsync();
            db.Execute($"INSERT INTO marketplace.api_keys (user_id, name, scope, key_hash, key_prefix, created_at) VALUES ({owner.Id}, 'ci', 'read', '{new string('b', 64)}', 'mk_bbbb', now())");
        }
        await app.AssertCountersExactAsync(booking.Provider.Id);

        await (await client.SendAsync(Delete(owner.AccessToken, new { password = owner.Password }))).AssertStatus(HttpStatusCode.NoContent);

        await app.AssertCountersExactAsync(booking.Provider.Id);
        using (var db = app.Db())
        {
            var user = await db.Users.SingleAsync(u => u.Id == owner.Id);
            Assert.Equal(($"deleted-{owner.Id}@deleted.invalid", "deleted", null, null, null, null), (user.Email, user.Status, user.FirstName, user.LastName, user.Phone, user.AddressLine1));
            Assert.NotNull(user.DeletedAt);
            var provider = await db.Providers.SingleAsync(p => p.Id == booking.Provider.Id);
            Assert.Equal("deleted", provider.Status);
            Assert.NotNull(provider.DeletedAt);
            Assert.True(await db.Listings.Where(l => l.ProviderId == booking.Provider.Id).AllAsync(l => l.DeletedAt != null));
            // the financial records stay, pointing at the anonymised provider
            Assert.Equal(booking.Provider.Id, await db.Transactions.Where(t => t.Id == booking.TransactionId).Select(t => t.ProviderId).SingleAsync());
            Assert.True(await db.Invoices.AnyAsync(i => i.Id == booking.InvoiceId));
            Assert.True(await db.Sessions.Where(s => s.UserId == owner.Id).AllAsync(s => s.RevokedAt != null && s.RevokedReason == "account_deleted"));
            Assert.Equal(0, db.Execute<int>($"SELECT count(*)::int FROM marketplace.api_keys WHERE user_id = {owner.Id} AND revoked_at IS NULL"));
            Assert.Equal(1, await db.AuditLog.CountAsync(a => a.EntityType == "user" && a.EntityId == owner.Id && a.Action == "deleted" && a.ActorUserId == owner.Id));
        }
        Assert.Equal(["user.deleted"], Marketplace.Tests.Features.Admin.AdminApi.EventTypesOf(app, "user", owner.Id).Where(t => t == "user.deleted").ToList());

        await (await client.GetAsync($"/api/v1/marketplace/listings/{booking.ListingId}")).AssertStatus(HttpStatusCode.NotFound);
        await (await client.MeAsync(owner.AccessToken)).AssertStatus(HttpStatusCode.Unauthorized);
        await (await client.LoginAsync(email, owner.Password)).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await client.RefreshAsync(owner.RefreshToken)).AssertStatus(HttpStatusCode.Unauthorized);

        var again = await client.RegisterAsync(email);
        Assert.NotEqual(owner.Id, again.Id);
        await (await client.LoginAsync(email, again.Password)).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_wrong_or_missing_password_is_a_400_and_nothing_changes_and_anonymous_is_401()
    {
        var user = await app.CreateAsync();
        var client = app.Client();
        await (await client.SendAsync(Delete(user.AccessToken, new { password = "not-the-password" }))).AssertValidationError("password");
        await (await client.SendAsync(Delete(user.AccessToken, new { }))).AssertValidationError("password");
        await (await client.SendAsync(Delete(null, new { password = user.Password }))).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        using var db = app.Db();
        Assert.Equal((user.Email, "active"), await db.Users.Where(u => u.Id == user.Id).Select(u => ValueTuple.Create(u.Email, u.Status)).SingleAsync());

        await (await client.SendAsync(Delete(user.AccessToken, new { password = user.Password }))).AssertStatus(HttpStatusCode.NoContent);
        await (await client.LoginAsync(user.Email, user.Password)).AssertProblem(HttpStatusCode.Unauthorized, "invalid_credentials");
    }
}

file static class StatusAssertions
{
    public static async Task AssertStatus(this HttpResponseMessage response, HttpStatusCode status) =>
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
}

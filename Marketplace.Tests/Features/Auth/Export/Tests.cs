using System.Net;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Data;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Auth.Export;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = "/api/v1/marketplace/auth/me/export";

    private static List<long> Ids(JsonElement data, string part) =>
        data.GetProperty(part).EnumerateArray().Select(r => r.GetProperty("id").GetInt64()).ToList();

    [Fact]
    public async Task The_export_holds_the_callers_rows_of_every_table_and_no_secret()
    {
        var booking = await app.BookAsync();
        long threadId, messageId, reviewId, savedId, keyId;
        using (var db = app.Db())
        {
            threadId = db.Execute<long>($"INSERT INTO marketplace.message_threads (client_id, provider_id, listing_id, subject) VALUES ({booking.Client.Id}, {booking.Provider.Id}, {booking.ListingId}, 'Parking?') RETURNING id");
            messageId = db.Execute<long>($"INSERT INTO marketplace.messages (thread_id, sender_id, body) VALUES ({threadId}, {booking.Client.Id}, 'Is there parking?') RETURNING id");
            reviewId = db.Execute<long>($"INSERT INTO marketplace.reviews (transaction_id, provider_id, client_id, listing_id, rating, review_text) VALUES ({booking.TransactionId}, {booking.Provider.Id}, {booking.Client.Id}, {booking.ListingId}, 5, 'Great') RETURNING id");
            savedId = db.Execute<long>($"INSERT INTO marketplace.saved_listings (user_id, listing_id) VALUES ({booking.Client.Id}, {booking.ListingId}) RETURNING id");
            keyId = db.Execute<long>($"INSERT INTO marketplace.api_keys (user_id, name, scope, key_hash, key_prefix, created_at) VALUES ({booking.Client.Id}, 'zapier', 'read', '{new string('a', 64)}', 'mk_abcd', now()) RETURNING id");
        }

        var response = await app.Client(booking.Client.AccessToken).GetAsync(Url);
        var text = await response.Content.ReadAsStringAsync();
        var data = (await response.AssertJson(HttpStatusCode.OK)).GetProperty("data");
        Assert.Equal((booking.Client.Id, booking.Client.Email), (data.GetProperty("profile").GetProperty("id").GetInt32(), data.GetProperty("profile").GetProperty("email").GetString()));
        Assert.Equal(JsonValueKind.Null, data.GetProperty("provider").ValueKind);
        Assert.Equal([booking.TransactionId], Ids(data, "bookingsAsClient"));
        Assert.Empty(Ids(data, "bookingsAsProvider"));
        Assert.Equal([(long)booking.InvoiceId!.Value], Ids(data, "invoices"));
        Assert.Equal([threadId], Ids(data, "messageThreads"));
        Assert.Equal([messageId], Ids(data, "messages"));
        Assert.Equal([reviewId], Ids(data, "reviewsWritten"));
        Assert.Equal([savedId], Ids(data, "savedListings"));
        Assert.Equal([keyId], Ids(data, "apiKeys"));
        Assert.Contains(data.GetProperty("sessions").EnumerateArray(), s => s.GetProperty("id").GetGuid() == booking.Client.SessionId);

        // no secret, by name or by value
        using (var db = app.Db())
        {
            var hash = db.Execute<string>($"SELECT password_hash FROM marketplace.users WHERE id = {booking.Client.Id}");
            var tokenHashes = db.Query<string>($"SELECT r.token_hash FROM marketplace.refresh_tokens r JOIN marketplace.user_sessions s ON s.id = r.session_id WHERE s.user_id = {booking.Client.Id}").ToList();
            Assert.NotEmpty(tokenHashes);
            foreach (var secret in tokenHashes.Append(hash).Append(new string('a', 64)))
            {
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            }
        }
        foreach (var name in new[] { "password_hash", "token_hash", "key_hash", "email_verify_token", "password_reset_token", "calendar_token_hash" })
        {
            Assert.DoesNotContain(name, text, StringComparison.Ordinal);
        }

        var provider = (await (await app.Client(booking.Provider.Owner.AccessToken).GetAsync(Url)).AssertJson(HttpStatusCode.OK)).GetProperty("data");
        Assert.Equal(booking.Provider.Id, provider.GetProperty("provider").GetProperty("id").GetInt32());
        Assert.Contains((long)booking.ListingId, Ids(provider, "listings"));
        Assert.Equal([booking.TransactionId], Ids(provider, "bookingsAsProvider"));
        Assert.Equal([reviewId], Ids(provider, "reviewsReceived"));
        Assert.Equal([messageId], Ids(provider, "messages"));
        Assert.Empty(Ids(provider, "bookingsAsClient"));
    }

    [Fact]
    public async Task An_anonymous_export_is_401()
    {
        await (await app.Client().GetAsync(Url)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}

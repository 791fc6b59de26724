using System.Globalization;
using System.Net;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Tests.Features.Auth;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Integrations.Events.Feed;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Api = TestBookings.Api;

    [Fact]
    public async Task Booking_and_paying_write_events_whose_data_is_what_GET_answers()
    {
        var booking = await app.BookAsync();
        await app.PayAsync(booking);
        var id = booking.TransactionId.ToString(CultureInfo.InvariantCulture);
        var invoiceId = booking.InvoiceId!.Value.ToString(CultureInfo.InvariantCulture);

        var events = await booking.ClientApi(app).EventsAsync(e => e.Types().Contains(EventTypes.InvoicePaid));
        Assert.Equal(
            [EventTypes.TransactionBooked, EventTypes.TransactionInvoiced, EventTypes.InvoiceIssued, EventTypes.InvoicePaid, EventTypes.TransactionPaid],
            events.Where(e => e.GetProperty("resource").GetProperty("id").GetString() is var r && (r == id || r == invoiceId)).Types());
        var sequences = events.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.Order(), sequences);

        // the ledger's events are built by the database: they read exactly like the GET answers
        var paid = events.Last(EventTypes.TransactionPaid, id);
        Assert.Equal("transaction", paid.GetProperty("resource").GetProperty("type").GetString());
        var transaction = await (await booking.ClientApi(app).GetAsync($"{Api}/transactions/{id}")).AssertJson(HttpStatusCode.OK);
        AssertSameJson(transaction, paid.GetProperty("data"));
        // the invoice as its client sees it: an invoice's GET marks it viewed, so compare with that field aside
        var invoice = await (await booking.ClientApi(app).GetAsync($"{Api}/invoices/{invoiceId}")).AssertJson(HttpStatusCode.OK);
        AssertSameJson(invoice, events.Last(EventTypes.InvoicePaid, invoiceId).GetProperty("data"), "viewedAt");
        // the slices' own events carry their C# views: the same shape
        AssertSameJson(transaction, events.Last(EventTypes.TransactionBooked, id).GetProperty("data"),
            "status", "invoicedAt", "paidAt", "totalCents", "servicePriceCents", "platformFeeCents", "providerPayoutCents", "invoice", "stripeFeesCents", "taxCents", "taxRate", "holdUntil");

        // the provider sees them too
        var providerEvents = await booking.ProviderApi(app).EventsAsync(e => e.Types().Contains(EventTypes.TransactionPaid));
        Assert.Contains(providerEvents, e => e.GetProperty("type").GetString() == EventTypes.TransactionPaid && e.GetProperty("resource").GetProperty("id").GetString() == id);
        Assert.All(providerEvents.Where(e => e.GetProperty("resource").GetProperty("type").GetString() == "invoice"),
            e => Assert.Equal(JsonValueKind.Null, e.GetProperty("data").GetProperty("internalNotes").ValueKind));
    }

    [Fact]
    public async Task Another_users_events_are_invisible_in_the_feed()
    {
        var booking = await app.BookAsync();
        var stranger = await app.CreateAsync();
        await booking.ClientApi(app).EventsAsync(e => e.Types().Contains(EventTypes.TransactionBooked));

        var theirs = await app.Client(stranger.AccessToken).FeedAsync();
        Assert.Empty(theirs.GetProperty("items").EnumerateArray());
        Assert.Equal(0, theirs.GetProperty("nextAfter").GetInt64());
    }

    [Fact]
    public async Task The_feed_pages_with_after_and_limit_and_filters_by_type()
    {
        var booking = await app.BookAsync();
        var api = booking.ClientApi(app);
        var all = await api.EventsAsync(e => e.Count >= 3);
        Assert.Equal(3, all.Count);

        var first = await api.FeedAsync(limit: 2);
        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        var next = first.GetProperty("nextAfter").GetInt64();
        Assert.Equal(all[1].GetProperty("sequence").GetInt64(), next);
        var second = await api.FeedAsync(after: next, limit: 2);
        Assert.Equal(all[2].GetProperty("id").GetString(), second.GetProperty("items")[0].GetProperty("id").GetString());
        Assert.Equal(all[2].GetProperty("sequence").GetInt64(), second.GetProperty("nextAfter").GetInt64());
        var empty = await api.FeedAsync(after: all[2].GetProperty("sequence").GetInt64());
        Assert.Empty(empty.GetProperty("items").EnumerateArray());
        Assert.Equal(all[2].GetProperty("sequence").GetInt64(), empty.GetProperty("nextAfter").GetInt64());

        var invoices = await api.FeedAsync(types: "invoice.issued,invoice.paid");
        Assert.Equal([EventTypes.InvoiceIssued], invoices.GetProperty("items").EnumerateArray().Types());
    }

    [Theory]
    [InlineData("types=listing.exploded")]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("after=-1")]
    public async Task Bad_feed_parameters_are_400(string query)
    {
        var user = await app.CreateAsync();
        var response = await app.Client(user.AccessToken).GetAsync($"{TestEvents.EventsUrl}?{query}");
        await response.AssertProblem(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task The_feed_needs_a_caller()
    {
        var response = await app.Client().GetAsync(TestEvents.EventsUrl);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_rolled_back_change_leaves_no_event()
    {
        var user = await app.CreateAsync();
        using (var db = app.Db())
        {
            await using var tx = await db.BeginTransactionAsync();
            await db.Users.Where(u => u.Id == user.Id).Set(u => u.FirstName, "Rolled").UpdateAsync();
            await ResourceEvents.UserAsync(db, TimeProvider.System, EventTypes.UserVerified, user.Id, CancellationToken.None);
            Assert.Equal(1, await db.GetTable<EventRow>().CountAsync(e => e.ResourceId == user.Id.ToString(CultureInfo.InvariantCulture)));
            await tx.RollbackAsync();
        }
        using var check = app.Db();
        Assert.Equal(0, await check.GetTable<EventRow>().CountAsync(e => e.ResourceType == "user" && e.ResourceId == user.Id.ToString(CultureInfo.InvariantCulture)));

        // and through the API: a publish refused after its checks writes nothing either
        var provider = await app.CreateProviderAsync(status: "pending");
        var listing = await app.CreateListingAsync(provider, "draft");
        await (await app.Client(provider.Owner.AccessToken).PostAsync($"{Api}/listings/{listing}/publish", null)).AssertProblem(HttpStatusCode.Conflict, "provider_not_active");
        Assert.Equal(0, await check.GetTable<EventRow>().CountAsync(e => e.ResourceType == "listing" && e.ResourceId == listing.ToString(CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task An_event_committed_later_with_a_smaller_insert_order_is_never_skipped()
    {
        // A takes its transaction id first (its change); B starts later and writes its event first; A writes its event
        // and commits while B is still running. With a plain insert counter B's event would number below A's, and a
        // reader that already moved past A's would never see it.
        var user = await app.CreateAsync();
        var api = app.Client(user.AccessToken);
        var start = (await api.FeedAsync()).GetProperty("nextAfter").GetInt64();

        using var a = app.Db();
        using var b = app.Db();
        await using var txA = await a.BeginTransactionAsync();
        await a.Users.Where(u => u.Id == user.Id).Set(u => u.Phone, "1").UpdateAsync();
        await using var txB = await b.BeginTransactionAsync();
        await DomainEvents.AppendAsync(b, TimeProvider.System, new DomainEvent(EventTypes.UserVerified, "user", "b", new { by = "B" }, [user.Id]), CancellationToken.None);
        await DomainEvents.AppendAsync(a, TimeProvider.System, new DomainEvent(EventTypes.UserVerified, "user", "a", new { by = "A" }, [user.Id]), CancellationToken.None);
        await txA.CommitAsync();

        var first = await api.EventsAsync(e => e.Count == 1, after: start);
        Assert.Equal("a", Assert.Single(first).GetProperty("resource").GetProperty("id").GetString());
        var after = first[0].GetProperty("sequence").GetInt64();

        await txB.CommitAsync();
        var second = await api.EventsAsync(e => e.Count == 1, after: after);
        Assert.Equal("b", Assert.Single(second).GetProperty("resource").GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_event_of_a_transaction_still_running_holds_back_later_ones()
    {
        // B (younger) commits first: its event waits until A (older, still running) ends, then both come in sequence order
        var user = await app.CreateAsync();
        var api = app.Client(user.AccessToken);
        var start = (await api.FeedAsync()).GetProperty("nextAfter").GetInt64();

        using var a = app.Db();
        using var b = app.Db();
        await using var txA = await a.BeginTransactionAsync();
        await a.Users.Where(u => u.Id == user.Id).Set(u => u.Phone, "2").UpdateAsync();
        await using var txB = await b.BeginTransactionAsync();
        await DomainEvents.AppendAsync(b, TimeProvider.System, new DomainEvent(EventTypes.UserVerified, "user", "b", new { by = "B" }, [user.Id]), CancellationToken.None);
        await txB.CommitAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.Empty((await api.FeedAsync(after: start)).GetProperty("items").EnumerateArray());
        }

        await DomainEvents.AppendAsync(a, TimeProvider.System, new DomainEvent(EventTypes.UserVerified, "user", "a", new { by = "A" }, [user.Id]), CancellationToken.None);
        await txA.CommitAsync();
        var events = await api.EventsAsync(e => e.Count == 2, after: start);
        Assert.Equal(["a", "b"], events.Select(e => e.GetProperty("resource").GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Registering_and_verifying_write_user_events()
    {
        var client = app.Client();
        var registered = await client.RegisterAsync();
        var api = app.Client(registered.AccessToken);
        var events = await api.EventsAsync(e => e.Types().Contains(EventTypes.UserRegistered));
        var registeredEvent = Assert.Single(events);
        Assert.Equal(registered.Email, registeredEvent.GetProperty("data").GetProperty("email").GetString());
        Assert.False(registeredEvent.GetProperty("data").GetProperty("emailVerified").GetBoolean());

        var token = "verify-" + Guid.NewGuid().ToString("N");
        using (var db = app.Db())
        {
            await db.Users.Where(u => u.Id == registered.Id)
                .Set(u => u.EmailVerifyToken, Marketplace.Api.Infrastructure.Secrets.Hash(token))
                .Set(u => u.EmailVerifyExpires, DateTime.UtcNow.AddHours(1)).UpdateAsync();
        }
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("verify-email", new { token }, null)).StatusCode);
        events = await api.EventsAsync(e => e.Types().Contains(EventTypes.UserVerified));
        Assert.True(events.Last(EventTypes.UserVerified, registered.Id.ToString(CultureInfo.InvariantCulture)).GetProperty("data").GetProperty("emailVerified").GetBoolean());
    }

    [Fact]
    public async Task Listing_changes_write_listing_events_for_their_provider()
    {
        var provider = await app.CreateProviderAsync();
        var listing = await app.CreateListingAsync(provider, "draft");
        var api = app.Client(provider.Owner.AccessToken);
        await (await api.PostAsync($"{Api}/listings/{listing}/publish", null)).AssertJson(HttpStatusCode.OK);
        await (await api.PatchJson($"{Api}/listings/{listing}", new { title = "Renamed grooming" })).AssertJson(HttpStatusCode.OK);
        await (await api.PostAsync($"{Api}/listings/{listing}/pause", null)).AssertJson(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"{Api}/listings/{listing}")).StatusCode);

        var events = await api.EventsAsync(e => e.Types().Contains(EventTypes.ListingDeleted));
        Assert.Equal([EventTypes.ListingPublished, EventTypes.ListingUpdated, EventTypes.ListingPaused, EventTypes.ListingDeleted], events.Types());
        Assert.Equal("Renamed grooming", events[1].GetProperty("data").GetProperty("title").GetString());
        Assert.Equal("paused", events[3].GetProperty("data").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Messages_reviews_and_the_rest_of_a_booking_write_their_events()
    {
        var booking = await app.BookAsync();
        await app.PayAsync(booking);
        var provider = booking.ProviderApi(app);
        var id = booking.TransactionId;
        await (await provider.PostAsync($"{Api}/transactions/{id}/start", null)).AssertJson(HttpStatusCode.OK);
        await (await provider.PostAsync($"{Api}/transactions/{id}/complete", null)).AssertJson(HttpStatusCode.OK);
        var review = await (await booking.ClientApi(app).PostJson(TestReviews.ReviewsUrl, new { transactionId = id, rating = 5, reviewText = "Great." }))
            .AssertJson(HttpStatusCode.Created);
        await (await provider.PostJson($"{TestReviews.ReviewsUrl}/{review.GetProperty("id").GetInt32()}/response", new { providerResponse = "Thanks!" }))
            .AssertJson(HttpStatusCode.OK);
        await app.StartThreadAsync(booking.Client, booking.Provider);

        var events = await booking.ClientApi(app).EventsAsync(e => e.Types().Contains(EventTypes.MessageSent) && e.Types().Contains(EventTypes.ReviewResponded));
        var types = events.Types().ToList();
        foreach (var type in new[] { EventTypes.TransactionStarted, EventTypes.TransactionCompleted, EventTypes.ReviewCreated, EventTypes.ReviewResponded, EventTypes.MessageSent })
        {
            Assert.Contains(type, types);
        }
        Assert.Equal("Thanks!", events.Last(e => e.GetProperty("type").GetString() == EventTypes.ReviewResponded).GetProperty("data").GetProperty("providerResponse").GetString());
        Assert.Equal("Hello, is Saturday free?", events.Last(e => e.GetProperty("type").GetString() == EventTypes.MessageSent).GetProperty("data").GetProperty("body").GetString());
    }

    [Fact]
    public async Task Voiding_and_refunding_write_invoice_and_transaction_events()
    {
        var voided = await app.BookAsync(paymentMode: "manual");
        await (await voided.ProviderApi(app).PostJson($"{Api}/invoices/{voided.InvoiceId}/void", new { reason = "mistake" })).AssertJson(HttpStatusCode.OK);
        var events = await voided.ClientApi(app).EventsAsync(e => e.Types().Contains(EventTypes.TransactionCancelled));
        Assert.Contains(EventTypes.InvoiceVoided, events.Types());
        Assert.Equal("cancelled", events.Last(e => e.GetProperty("type").GetString() == EventTypes.TransactionCancelled).GetProperty("data").GetProperty("status").GetString());

        var refunded = await app.BookAsync();
        await app.PayAsync(refunded);
        await (await refunded.ProviderApi(app).PostJson($"{Api}/transactions/{refunded.TransactionId}/refund", new { reason = "sorry" })).AssertJson(HttpStatusCode.OK);
        events = await refunded.ClientApi(app).EventsAsync(e => e.Types().Contains(EventTypes.TransactionRefunded));
        Assert.Contains(EventTypes.InvoiceRefunded, events.Types());
        var data = events.Last(e => e.GetProperty("type").GetString() == EventTypes.TransactionRefunded).GetProperty("data");
        Assert.Equal("refunded", data.GetProperty("status").GetString());
        Assert.Equal(refunded.TotalCents, data.GetProperty("refundAmountCents").GetInt64());
    }

    [Fact]
    public async Task Each_resource_types_events_carry_the_resource_as_its_GET_answers_it()
    {
        // user: the registration event is GET /auth/me at that moment
        var registered = await app.Client().RegisterAsync();
        var userApi = app.Client(registered.AccessToken);
        var me = await (await userApi.GetAsync($"{Api}/auth/me")).AssertJson(HttpStatusCode.OK);
        var userEvents = await userApi.EventsAsync(e => e.Types().Contains(EventTypes.UserRegistered));
        AssertSameJson(me, userEvents.Last(EventTypes.UserRegistered, registered.Id.ToString(CultureInfo.InvariantCulture)).GetProperty("data"), "lastLoginAt");

        // listing: the update event is the listing's GET by slug after the update
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider, "active");
        var providerApi = app.Client(provider.Owner.AccessToken);
        var updated = await (await providerApi.PatchJson($"{Api}/listings/{listingId}", new { title = "Event-shaped grooming" })).AssertJson(HttpStatusCode.OK);
        var listing = await (await providerApi.GetAsync($"{Api}/listings/{updated.GetProperty("slug").GetString()}")).AssertJson(HttpStatusCode.OK);
        var listingEvents = await providerApi.EventsAsync(e => e.Types().Contains(EventTypes.ListingUpdated));
        AssertSameJson(listing, listingEvents.Last(EventTypes.ListingUpdated, listingId.ToString(CultureInfo.InvariantCulture)).GetProperty("data"), "viewCount");

        // transaction: a request accepted by its provider reads as the client's GET (never the provider's view)
        var requestListing = await app.CreateListingAsync(provider, "active");
        using (var db = app.Db())
        {
            await db.Listings.Where(l => l.Id == requestListing).Set(l => l.InstantBooking, false).UpdateAsync();
        }
        var client = await app.CreateAsync();
        var clientApi = app.Client(client.AccessToken);
        var requested = await (await clientApi.PostJson($"{Api}/transactions", new { listingId = requestListing })).AssertJson(HttpStatusCode.Created);
        var id = requested.GetProperty("id").GetInt64().ToString(CultureInfo.InvariantCulture);
        await (await providerApi.PostAsync($"{Api}/transactions/{id}/accept", null)).AssertJson(HttpStatusCode.OK);
        var transaction = await (await clientApi.GetAsync($"{Api}/transactions/{id}")).AssertJson(HttpStatusCode.OK);
        var accepted = (await clientApi.EventsAsync(e => e.Types().Contains(EventTypes.TransactionAccepted))).Last(EventTypes.TransactionAccepted, id).GetProperty("data");
        Assert.Equal("client", accepted.GetProperty("role").GetString());
        // accepting a priced request invoices it in the same request: the invoice fields moved after the event
        AssertSameJson(transaction, accepted, "status", "invoicedAt", "invoice", "expiresAt", "acceptedAt", "taxCents", "taxRate", "totalCents", "providerPayoutCents", "platformFeeCents");

        // review: created and responded events are the review as the public review list answers it
        var booking = await app.BookAsync();
        await app.PayAsync(booking);
        var bookingProvider = booking.ProviderApi(app);
        await (await bookingProvider.PostAsync($"{Api}/transactions/{booking.TransactionId}/start", null)).AssertJson(HttpStatusCode.OK);
        await (await bookingProvider.PostAsync($"{Api}/transactions/{booking.TransactionId}/complete", null)).AssertJson(HttpStatusCode.OK);
        var review = await (await booking.ClientApi(app).PostJson(TestReviews.ReviewsUrl, new { transactionId = booking.TransactionId, rating = 4, reviewText = "Good." }))
            .AssertJson(HttpStatusCode.Created);
        var reviewId = review.GetProperty("id").GetInt32().ToString(CultureInfo.InvariantCulture);
        await (await bookingProvider.PostJson($"{TestReviews.ReviewsUrl}/{reviewId}/response", new { providerResponse = "Thank you." })).AssertJson(HttpStatusCode.OK);
        var reviews = await (await app.Client().GetAsync($"{Api}/providers/{review.GetProperty("providerId").GetInt32()}/reviews")).AssertJson(HttpStatusCode.OK);
        var listed = reviews.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("id").GetInt32().ToString(CultureInfo.InvariantCulture) == reviewId);
        var reviewEvents = await booking.ClientApi(app).EventsAsync(e => e.Types().Contains(EventTypes.ReviewResponded));
        AssertSameJson(listed, reviewEvents.Last(EventTypes.ReviewResponded, reviewId).GetProperty("data"));
        AssertSameJson(listed, reviewEvents.Last(EventTypes.ReviewCreated, reviewId).GetProperty("data"), "providerResponse", "respondedAt");
    }

    /// <summary>Same properties and values; times compared as instants (the database writes microseconds, the API trims zeros).</summary>
    private static void AssertSameJson(JsonElement expected, JsonElement actual, params string[] except)
    {
        var names = expected.EnumerateObject().Select(p => p.Name).Where(n => !except.Contains(n)).Order().ToList();
        Assert.Equal(names, actual.EnumerateObject().Select(p => p.Name).Where(n => !except.Contains(n)).Order().ToList());
        foreach (var name in names)
        {
            var (e, a) = (expected.GetProperty(name), actual.GetProperty(name));
            Assert.True(e.ValueKind == a.ValueKind, $"{name}: {e.GetRawText()} != {a.GetRawText()}");
            if (e.ValueKind == JsonValueKind.Object && a.ValueKind == JsonValueKind.Object)
            {
                AssertSameJson(e, a);
            }
            else if (e.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(e.GetString(), CultureInfo.InvariantCulture, out var time) && e.GetString()!.Contains('T'))
            {
                Assert.Equal(time, DateTimeOffset.Parse(a.GetString()!, CultureInfo.InvariantCulture));
            }
            else if (e.ValueKind == JsonValueKind.Number)
            {
                Assert.True(e.GetDecimal() == a.GetDecimal(), $"{name}: {e} != {a}");
            }
            else
            {
                Assert.True(e.GetRawText() == a.GetRawText(), $"{name}: {e.GetRawText()} != {a.GetRawText()}");
            }
        }
    }

    [LinqToDB.Mapping.Table("domain_events", Schema = "marketplace")]
    private sealed class EventRow
    {
        [LinqToDB.Mapping.Column("resource_type")] public string ResourceType { get; set; } = "";
        [LinqToDB.Mapping.Column("resource_id")] public string ResourceId { get; set; } = "";
    }
}

using System.Net;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Transactions.Book;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = TestBookings.Api + "/transactions";

    [Fact]
    public async Task Booking_a_fixed_price_listing_computes_the_price_and_invoices_it_at_once()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider, "active", "fixed", 5000);
        var client = await app.CreateAsync();

        var response = await app.Client(client.AccessToken).PostJson(Url, new { listingId, notes = "Gentle please", quantity = 2 });
        var json = await response.AssertJson(HttpStatusCode.Created);

        var id = json.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/marketplace/transactions/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("invoiced", json.GetProperty("status").GetString());
        Assert.Equal((10000L, 1000L, 0L, 10000L, 9000L), (json.GetProperty("servicePriceCents").GetInt64(), json.GetProperty("platformFeeCents").GetInt64(),
            json.GetProperty("taxCents").GetInt64(), json.GetProperty("totalCents").GetInt64(), json.GetProperty("providerPayoutCents").GetInt64()));
        Assert.Equal(2, json.GetProperty("quantity").GetInt32());
        Assert.Equal("usd", json.GetProperty("currency").GetString());
        Assert.Equal("Gentle please", json.GetProperty("serviceNotes").GetString());
        var invoice = json.GetProperty("invoice");
        Assert.Equal(("sent", 10000L, 10000L), (invoice.GetProperty("status").GetString(), invoice.GetProperty("totalCents").GetInt64(), invoice.GetProperty("balanceCents").GetInt64()));

        using var db = app.Db();
        Assert.Equal(1, await db.Providers.Where(p => p.Id == provider.Id).Select(p => p.TotalTransactions).FirstAsync());
        Assert.Equal(1, await db.Listings.Where(l => l.Id == listingId).Select(l => l.BookingCount).FirstAsync());
        var mails = await db.Outbox.Where(m => m.ToAddress == client.Email || m.ToAddress == provider.Owner.Email).ToListAsync();
        Assert.Contains(mails, m => m.Kind == "booking_requested" && m.ToAddress == provider.Owner.Email);
        Assert.Contains(mails, m => m.Kind == "invoice_issued" && m.ToAddress == client.Email && m.TextBody.Contains("100.00 USD", StringComparison.Ordinal));
        var invoiceRow = await db.Invoices.FirstAsync(i => i.TransactionId == id);
        Assert.Equal("stripe", invoiceRow.PaymentMethod);
        Assert.NotNull(invoiceRow.IssuedAt);
    }

    [Fact]
    public async Task An_hourly_listing_is_priced_by_the_hours_booked_and_needs_them()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider, "active", "hourly", 3333);
        var client = app.Client((await app.CreateAsync()).AccessToken);

        await (await client.PostJson(Url, new { listingId })).AssertValidationError("quantity");
        var json = await (await client.PostJson(Url, new { listingId, quantity = 3 })).AssertJson(HttpStatusCode.Created);
        Assert.Equal((9999L, 1000L), (json.GetProperty("servicePriceCents").GetInt64(), json.GetProperty("platformFeeCents").GetInt64())); // 999.9 -> 1000
    }

    [Theory]
    [InlineData("contact")]
    [InlineData("custom")]
    public async Task A_contact_or_custom_listing_creates_a_pending_request_for_the_provider_to_price(string priceType)
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider, "active", priceType, null);
        var json = await (await app.Client((await app.CreateAsync()).AccessToken).PostJson(Url, new { listingId }))
            .AssertJson(HttpStatusCode.Created);
        Assert.Equal("pending", json.GetProperty("status").GetString());
        Assert.Equal(0, json.GetProperty("totalCents").GetInt64());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("invoice").ValueKind);
    }

    [Fact]
    public async Task A_provider_can_be_asked_directly_with_a_description()
    {
        var provider = await app.CreateProviderAsync();
        var client = app.Client((await app.CreateAsync()).AccessToken);

        await (await client.PostJson(Url, new { providerId = provider.Id })).AssertValidationError("description");
        var json = await (await client.PostJson(Url, new { providerId = provider.Id, description = "Nail trim for a husky" })).AssertJson(HttpStatusCode.Created);
        Assert.Equal(("pending", "Nail trim for a husky"), (json.GetProperty("status").GetString(), json.GetProperty("serviceDescription").GetString()));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("listingId").ValueKind);
    }

    [Fact]
    public async Task Nobody_books_their_own_listing()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var own = app.Client(provider.Owner.AccessToken);
        await (await own.PostJson(Url, new { listingId })).AssertProblem(HttpStatusCode.Forbidden, "cannot_book_own_listing");
        await (await own.PostJson(Url, new { providerId = provider.Id, description = "me" })).AssertProblem(HttpStatusCode.Forbidden, "cannot_book_own_listing");
    }

    [Fact]
    public async Task Only_an_active_listing_of_an_active_provider_can_be_booked()
    {
        var provider = await app.CreateProviderAsync();
        var client = app.Client((await app.CreateAsync()).AccessToken);
        var paused = await app.CreateListingAsync(provider, "paused");
        var draft = await app.CreateListingAsync(provider, "draft");
        await (await client.PostJson(Url, new { listingId = paused })).AssertProblem(HttpStatusCode.Conflict, "listing_not_bookable");
        await (await client.PostJson(Url, new { listingId = draft })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await client.PostJson(Url, new { listingId = int.MaxValue })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await client.PostJson(Url, new { providerId = int.MaxValue, description = "x" })).AssertProblem(HttpStatusCode.NotFound, "not_found");

        var pending = await app.CreateProviderAsync(status: "pending");
        var pendingListing = await app.CreateListingAsync(pending);
        await (await client.PostJson(Url, new { listingId = pendingListing })).AssertProblem(HttpStatusCode.Conflict, "provider_not_available");
    }

    [Fact]
    public async Task Booking_needs_a_verified_login()
    {
        var listingId = await app.CreateListingAsync(await app.CreateProviderAsync());
        await (await app.Client().PostJson(Url, new { listingId })).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        var unverified = await app.CreateAsync(verified: false);
        await (await app.Client(unverified.AccessToken).PostJson(Url, new { listingId })).AssertProblem(HttpStatusCode.Forbidden, "email_not_verified");
    }

    [Fact]
    public async Task The_request_shape_is_validated()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var client = app.Client((await app.CreateAsync()).AccessToken);
        var soon = DateTime.UtcNow.AddDays(1);

        await (await client.PostJson(Url, new { })).AssertValidationError("listingId");
        await (await client.PostJson(Url, new { listingId, providerId = provider.Id })).AssertValidationError("providerId");
        await (await client.PostJson(Url, new { listingId, notes = new string('x', 2001) })).AssertValidationError("notes");
        await (await client.PostJson(Url, new { providerId = provider.Id, description = new string('x', 2001) })).AssertValidationError("description");
        await (await client.PostJson(Url, new { listingId, quantity = 0 })).AssertValidationError("quantity");
        await (await client.PostJson(Url, new { listingId, quantity = 1001 })).AssertValidationError("quantity");
        await (await client.PostJson(Url, new { listingId, requestedStartAt = soon, requestedEndAt = soon.AddHours(-1) })).AssertValidationError("requestedEndAt");
        await (await client.PostJson(Url, new { listingId, requestedStartAt = DateTime.UtcNow.AddDays(-1) })).AssertValidationError("requestedStartAt");
        await (await client.PostJson(Url, new { listingId = "seven" })).AssertProblem(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task The_fee_rate_and_minimum_come_from_configuration()
    {
        using var host = app.Isolated(settings: new Dictionary<string, string?>
        {
            ["Marketplace:Fees:PlatformFeeBps"] = "1500",
            ["Marketplace:Fees:MinimumPlatformFeeCents"] = "300",
        });
        var provider = await app.CreateProviderAsync();
        var client = await app.CreateAsync();
        async Task<JsonElement> Book(long price)
        {
            var listingId = await app.CreateListingAsync(provider, "active", "fixed", price);
            using var http = host.CreateClient();
            http.DefaultRequestHeaders.Authorization = new("Bearer", client.AccessToken);
            return await (await http.PostJson(Url, new { listingId })).AssertJson(HttpStatusCode.Created);
        }
        Assert.Equal(1500, (await Book(10000)).GetProperty("platformFeeCents").GetInt64());
        Assert.Equal(300, (await Book(1000)).GetProperty("platformFeeCents").GetInt64());   // 150 -> the minimum
        var tiny = await Book(200);
        Assert.Equal((200L, 0L), (tiny.GetProperty("platformFeeCents").GetInt64(), tiny.GetProperty("providerPayoutCents").GetInt64())); // capped at the price
    }

    [Fact]
    public async Task A_retry_with_the_same_Idempotency_Key_returns_the_first_booking_and_books_nothing_more()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var client = await app.CreateAsync();
        var http = app.Client(client.AccessToken);
        var key = Guid.NewGuid().ToString();

        var first = await (await http.PostJsonWithKey(Url, new { listingId }, key)).AssertJson(HttpStatusCode.Created);
        var again = await http.PostJsonWithKey(Url, new { listingId }, key);
        var replayed = await again.AssertJson(HttpStatusCode.Created);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.GetProperty("id").GetInt64(), replayed.GetProperty("id").GetInt64());

        await (await http.PostJsonWithKey(Url, new { listingId, notes = "other" }, key)).AssertProblem(HttpStatusCode.Conflict, "idempotency_key_reused");

        var parallel = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => http.PostJsonWithKey(Url, new { listingId, quantity = 2 }, key + "-p")));
        var ids = new List<long>();
        foreach (var r in parallel)
        {
            ids.Add((await r.AssertJson(HttpStatusCode.Created)).GetProperty("id").GetInt64());
        }
        Assert.Single(ids.Distinct());

        using var db = app.Db();
        Assert.Equal(2, await db.Transactions.CountAsync(t => t.ClientId == client.Id));
        Assert.Equal(2, await db.Providers.Where(p => p.Id == provider.Id).Select(p => p.TotalTransactions).FirstAsync());
    }

    [Theory]
    [InlineData("/api/v1/marketplace/transactions")]
    [InlineData("/api/v1/marketplace/invoices/{id}/pay")]
    [InlineData("/api/v1/marketplace/transactions/{id}/refund")]
    public async Task The_money_moving_posts_document_their_Idempotency_Key_header(string path)
    {
        var doc = await (await app.Client().GetAsync("/openapi/v1.json")).AssertJson(HttpStatusCode.OK);
        var parameters = doc.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("parameters");
        Assert.Contains(parameters.EnumerateArray(), p => p.GetProperty("in").GetString() == "header" && string.Equals(p.GetProperty("name").GetString(), "Idempotency-Key", StringComparison.OrdinalIgnoreCase)); // header names are case-insensitive; the document camel-cases them
    }
}

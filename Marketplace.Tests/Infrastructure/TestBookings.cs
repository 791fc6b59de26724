using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marketplace.Tests.Infrastructure.Stripe;

namespace Marketplace.Tests.Infrastructure;

/// <summary>A booking made for one test through the API: its client, provider, listing, transaction and invoice.</summary>
public sealed record TestBooking(TestUser Client, TestProvider Provider, int ListingId, long TransactionId, int? InvoiceId, long TotalCents)
{
    public HttpClient ClientApi(AppFixture app) => app.Client(Client.AccessToken);

    public HttpClient ProviderApi(AppFixture app) => app.Client(Provider.Owner.AccessToken);
}

/// <summary>
/// Builders for the booking and payment tests: bookings through the API, Checkout payments through
/// the Stripe-compatible server, and signed webhook events made from the real-shaped fixtures in
/// Features/Webhooks/Stripe/Fixtures (placeholders <c>{{name}}</c> filled per test).
/// </summary>
public static class TestBookings
{
    public const string Api = "/api/v1/marketplace";

    /// <summary>Books a fixed-price listing of a new provider (or the given one) as a new client: invoiced at once.</summary>
    public static async Task<TestBooking> BookAsync(this AppFixture app, long priceCents = 5000, string paymentMode = "stripe_connect",
        TestProvider? provider = null, string priceType = "fixed", int? quantity = null)
    {
        provider ??= await app.CreateProviderAsync(paymentMode);
        var listingId = await app.CreateListingAsync(provider, "active", priceType, priceCents);
        var client = await app.CreateAsync();
        var json = await (await app.Client(client.AccessToken).PostJson($"{Api}/transactions", new { listingId, quantity }))
            .AssertJson(HttpStatusCode.Created);
        return new TestBooking(client, provider, listingId, json.GetProperty("id").GetInt64(),
            json.GetProperty("invoice").ValueKind == JsonValueKind.Null ? null : json.GetProperty("invoice").GetProperty("id").GetInt32(),
            json.GetProperty("totalCents").GetInt64());
    }

    /// <summary>The client starts Checkout: POST /invoices/{id}/pay; returns the answer.</summary>
    public static async Task<JsonElement> StartCheckoutAsync(this AppFixture app, TestBooking booking, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Api}/invoices/{booking.InvoiceId}/pay");
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return await (await booking.ClientApi(app).SendAsync(request)).AssertJson(HttpStatusCode.OK);
    }

    /// <summary>The whole payment: Checkout started, paid on Stripe, checkout.session.completed delivered (200).</summary>
    public static async Task<CompletedPayment> PayAsync(this AppFixture app, TestBooking booking, long? stripeFeeCents = null)
    {
        var sessionId = (await app.StartCheckoutAsync(booking)).GetProperty("sessionId").GetString()!;
        var payment = app.Stripe.CompleteCheckoutSession(sessionId, stripeFeeCents);
        var response = await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.completed", sessionId));
        Assert.Equal("applied", (await response.AssertJson(HttpStatusCode.OK)).GetProperty("outcome").GetString());
        return payment;
    }

    /// <summary>Delivers a webhook payload signed like Stripe does (the platform secret unless told otherwise).</summary>
    public static async Task<HttpResponseMessage> PostWebhookAsync(this AppFixture app, string payload, string? secret = null,
        DateTimeOffset? signedAt = null, HttpClient? client = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Api}/webhooks/stripe")
        {
            Content = new StringContent(payload, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Stripe-Signature", FakeStripe.SignatureHeader(payload, secret ?? FakeStripe.WebhookSecret, signedAt));
        return await (client ?? app.Client()).SendAsync(request);
    }

    /// <summary>A checkout.session.* event for a session as the Stripe-compatible server holds it now.</summary>
    public static string CheckoutEvent(this FakeStripe stripe, string type, string sessionId, string? eventId = null, long? amountTotal = null, string? currency = null)
    {
        var s = stripe.Objects[sessionId];
        return Fixture(type, new Dictionary<string, object?>
        {
            ["event_id"] = eventId ?? FakeStripe.NewId("evt"),
            ["created"] = FakeStripe.UnixNow(),
            ["session_id"] = sessionId,
            ["session_created"] = (long)s["created"]!,
            ["amount_total"] = amountTotal ?? (long)s["amount_total"]!,
            ["currency"] = currency ?? (string)s["currency"]!,
            ["customer"] = (string?)s["customer"],
            ["customer_email"] = "client@example.test",
            ["client_reference_id"] = (string?)s["client_reference_id"],
            ["expires_at"] = (long)s["expires_at"]!,
            ["payment_intent"] = (string?)s["payment_intent"],
            ["payment_status"] = (string)s["payment_status"]!,
            ["transaction_id"] = (string?)s["metadata"]?["transaction_id"],
            ["invoice_id"] = (string?)s["metadata"]?["invoice_id"],
            ["success_url"] = (string?)s["success_url"],
            ["cancel_url"] = (string?)s["cancel_url"],
            ["url"] = (string?)s["url"],
        });
    }

    /// <summary>A charge.refunded event for the charge as the server holds it now.</summary>
    public static string ChargeRefundedEvent(this FakeStripe stripe, string chargeId, long previousAmountRefunded = 0, string? eventId = null)
    {
        var c = stripe.Charge(chargeId);
        return Fixture("charge.refunded", new Dictionary<string, object?>
        {
            ["event_id"] = eventId ?? FakeStripe.NewId("evt"),
            ["created"] = FakeStripe.UnixNow(),
            ["charge_id"] = chargeId,
            ["charge_created"] = (long)c["created"]!,
            ["amount"] = (long)c["amount"]!,
            ["amount_refunded"] = (long)c["amount_refunded"]!,
            ["previous_amount_refunded"] = previousAmountRefunded,
            ["refunded"] = (bool)c["refunded"]!,
            ["application_fee"] = (string?)c["application_fee"],
            ["application_fee_amount"] = (long?)c["application_fee_amount"],
            ["balance_transaction"] = (string?)c["balance_transaction"],
            ["currency"] = (string)c["currency"]!,
            ["customer"] = (string?)c["customer"],
            ["description"] = (string?)c["description"],
            ["destination"] = (string?)c["destination"],
            ["payment_intent"] = (string?)c["payment_intent"],
            ["transfer"] = (string?)c["transfer"],
        });
    }

    /// <summary>A charge.dispute.created or .closed event on a charge.</summary>
    public static string DisputeEvent(this FakeStripe stripe, string type, string chargeId, string status, string? disputeId = null, string? eventId = null)
    {
        var c = stripe.Charge(chargeId);
        return Fixture(type, new Dictionary<string, object?>
        {
            ["event_id"] = eventId ?? FakeStripe.NewId("evt"),
            ["created"] = FakeStripe.UnixNow(),
            ["dispute_id"] = disputeId ?? FakeStripe.NewId("dp"),
            ["charge_id"] = chargeId,
            ["payment_intent"] = (string?)c["payment_intent"],
            ["amount"] = (long)c["amount"]!,
            ["currency"] = (string)c["currency"]!,
            ["status"] = status,
            ["due_by"] = FakeStripe.UnixNow() + 7 * 86400,
        });
    }

    /// <summary>A payment_intent.payment_failed event for the session's payment (a declined card).</summary>
    public static string PaymentFailedEvent(this FakeStripe stripe, string paymentIntentId, string? eventId = null)
    {
        var pi = stripe.Objects[paymentIntentId];
        return Fixture("payment_intent.payment_failed", new Dictionary<string, object?>
        {
            ["event_id"] = eventId ?? FakeStripe.NewId("evt"),
            ["created"] = FakeStripe.UnixNow(),
            ["payment_intent"] = paymentIntentId,
            ["charge_id"] = (string?)pi["latest_charge"],
            ["amount"] = (long)pi["amount"]!,
            ["application_fee_amount"] = (long?)pi["application_fee_amount"],
            ["currency"] = (string)pi["currency"]!,
            ["customer"] = (string?)pi["customer"],
            ["description"] = (string?)pi["description"],
            ["destination"] = (string?)pi["transfer_data"]?["destination"],
            ["transaction_id"] = (string?)pi["metadata"]?["transaction_id"],
            ["invoice_id"] = (string?)pi["metadata"]?["invoice_id"],
        });
    }

    /// <summary>An account.updated event (Connect) for an account with these capabilities.</summary>
    public static string AccountUpdatedEvent(string accountId, bool chargesEnabled, bool payoutsEnabled, bool detailsSubmitted,
        long? created = null, string? eventId = null, int providerId = 0)
    {
        var due = chargesEnabled && payoutsEnabled ? new JsonArray() : new JsonArray("external_account", "individual.verification.document");
        return Fixture("account.updated", new Dictionary<string, object?>
        {
            ["event_id"] = eventId ?? FakeStripe.NewId("evt"),
            ["created"] = created ?? FakeStripe.UnixNow(),
            ["account_id"] = accountId,
            ["account_created"] = FakeStripe.UnixNow() - 3600,
            ["business_name"] = "Test business",
            ["provider_id"] = providerId.ToString(CultureInfo.InvariantCulture),
            ["charges_enabled"] = chargesEnabled,
            ["payouts_enabled"] = payoutsEnabled,
            ["details_submitted"] = detailsSubmitted,
            ["card_payments"] = chargesEnabled ? "active" : "inactive",
            ["transfers"] = payoutsEnabled ? "active" : "inactive",
            ["currently_due"] = due,
            ["disabled_reason"] = chargesEnabled ? null : "requirements.past_due",
        });
    }

    /// <summary>Any other event type (e.g. customer.created), which the app records and ignores.</summary>
    public static string CustomerCreatedEvent(string? eventId = null) =>
        Fixture("customer.created", new Dictionary<string, object?>
        {
            ["event_id"] = eventId ?? FakeStripe.NewId("evt"),
            ["created"] = FakeStripe.UnixNow(),
            ["customer"] = FakeStripe.NewId("cus"),
            ["customer_email"] = "someone@example.test",
        });

    /// <summary>
    /// Fills a fixture: a placeholder that is a whole JSON string ("{{name}}") becomes the value as
    /// JSON (number, boolean, null, array, string); one inside a longer string is replaced by the
    /// text. Every placeholder must be given.
    /// </summary>
    public static string Fixture(string name, IReadOnlyDictionary<string, object?> values)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Features", "Webhooks", "Stripe", "Fixtures", name + ".json");
        var text = File.ReadAllText(path);
        foreach (var (key, value) in values)
        {
            text = text.Replace($"\"{{{{{key}}}}}\"", value is JsonNode node ? node.ToJsonString() : JsonSerializer.Serialize(value), StringComparison.Ordinal);
            text = text.Replace($"{{{{{key}}}}}", value is string s ? JsonEncodedText.Encode(s).ToString() : Convert.ToString(value, CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }
        var left = System.Text.RegularExpressions.Regex.Match(text, @"\{\{(\w+)\}\}");
        Assert.False(left.Success, $"fixture {name}: no value for placeholder {left.Value}");
        using var _ = JsonDocument.Parse(text); // still valid JSON
        return text;
    }

    /// <summary>A JSON POST carrying an Idempotency-Key header.</summary>
    public static Task<HttpResponseMessage> PostJsonWithKey(this HttpClient client, string url, object body, string idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return client.SendAsync(request);
    }
}

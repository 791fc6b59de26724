using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Invoices.Pay;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(int? id) => $"{TestBookings.Api}/invoices/{id}/pay";

    [Fact]
    public async Task Paying_creates_a_destination_charge_Checkout_Session_as_DESIGN_says()
    {
        var booking = await app.BookAsync(priceCents: 12000); // fee 1200
        var json = await app.StartCheckoutAsync(booking);

        var sessionId = json.GetProperty("sessionId").GetString()!;
        Assert.StartsWith("https://checkout.stripe.com/", json.GetProperty("checkoutUrl").GetString(), StringComparison.Ordinal);
        Assert.True(json.GetProperty("expiresAt").GetDateTime() > DateTime.UtcNow.AddHours(23));

        var create = Assert.Single(app.Stripe.RequestsTo("/v1/checkout/sessions"), r => r.Form.GetValueOrDefault("metadata[invoice_id]") == booking.InvoiceId.ToString());
        var f = create.Form;
        Assert.Equal("payment", f["mode"]);
        Assert.Equal("1200", f["payment_intent_data[application_fee_amount]"]);
        Assert.Equal(booking.Provider.StripeAccountId, f["payment_intent_data[transfer_data][destination]"]);
        Assert.Equal(booking.TransactionId.ToString(), f["metadata[transaction_id]"]);
        Assert.Equal(booking.TransactionId.ToString(), f["payment_intent_data[metadata][transaction_id]"]);
        Assert.Equal(booking.InvoiceId.ToString(), f["payment_intent_data[metadata][invoice_id]"]);
        Assert.Equal(("12000", "usd", "1"), (f["line_items[0][price_data][unit_amount]"], f["line_items[0][price_data][currency]"], f["line_items[0][quantity]"]));
        Assert.StartsWith("Invoice MP-", f["line_items[0][price_data][product_data][name]"], StringComparison.Ordinal);
        Assert.StartsWith($"https://app.marketplace.test/invoices/{booking.InvoiceId}?checkout=success", f["success_url"], StringComparison.Ordinal);
        Assert.Contains("{CHECKOUT_SESSION_ID}", f["success_url"], StringComparison.Ordinal);
        Assert.StartsWith($"https://app.marketplace.test/invoices/{booking.InvoiceId}?checkout=cancelled", f["cancel_url"], StringComparison.Ordinal);
        Assert.NotNull(create.IdempotencyKey);

        // the customer was created once, stored on the user, and used
        var customerCreate = Assert.Single(app.Stripe.RequestsTo("/v1/customers"), r => r.Form.GetValueOrDefault("email") == booking.Client.Email);
        Assert.Equal($"customer-{booking.Client.Id}", customerCreate.IdempotencyKey);
        using var db = app.Db();
        var customerId = await db.Users.Where(u => u.Id == booking.Client.Id).Select(u => u.StripeCustomerId).FirstAsync();
        Assert.Equal(customerId, f["customer"]);
        var invoice = await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId);
        Assert.Equal(sessionId, invoice.StripeCheckoutSessionId);
    }

    [Fact]
    public async Task An_open_session_is_reused_and_the_customer_is_created_once_per_user()
    {
        var provider = await app.CreateProviderAsync();
        var booking = await app.BookAsync(provider: provider);
        var first = await app.StartCheckoutAsync(booking);
        var again = await app.StartCheckoutAsync(booking);
        Assert.Equal(first.GetProperty("sessionId").GetString(), again.GetProperty("sessionId").GetString());
        Assert.Single(app.Stripe.RequestsTo("/v1/checkout/sessions"), r => r.Form.GetValueOrDefault("metadata[invoice_id]") == booking.InvoiceId.ToString());

        // a second invoice of the same client: a new session, the same customer
        var listingId = await app.CreateListingAsync(provider);
        var second = await (await booking.ClientApi(app).PostJson($"{TestBookings.Api}/transactions", new { listingId })).AssertJson(HttpStatusCode.Created);
        var secondBooking = booking with { TransactionId = second.GetProperty("id").GetInt64(), InvoiceId = second.GetProperty("invoice").GetProperty("id").GetInt32() };
        var other = await app.StartCheckoutAsync(secondBooking);
        Assert.NotEqual(first.GetProperty("sessionId").GetString(), other.GetProperty("sessionId").GetString());
        Assert.Single(app.Stripe.RequestsTo("/v1/customers"), r => r.Form.GetValueOrDefault("email") == booking.Client.Email);
    }

    [Fact]
    public async Task Once_the_session_expired_paying_again_makes_a_new_one()
    {
        var booking = await app.BookAsync();
        var first = (await app.StartCheckoutAsync(booking)).GetProperty("sessionId").GetString()!;
        app.Stripe.Objects[first]["status"] = "expired";
        await (await app.PostWebhookAsync(app.Stripe.CheckoutEvent("checkout.session.expired", first))).AssertJson(HttpStatusCode.OK);

        var second = (await app.StartCheckoutAsync(booking)).GetProperty("sessionId").GetString()!;
        Assert.NotEqual(first, second);
        var keys = app.Stripe.RequestsTo("/v1/checkout/sessions").Where(r => r.Form.GetValueOrDefault("metadata[invoice_id]") == booking.InvoiceId.ToString()).Select(r => r.IdempotencyKey).ToList();
        Assert.Equal(2, keys.Distinct().Count());
    }

    [Fact]
    public async Task A_double_clicked_pay_with_one_Idempotency_Key_creates_one_session_and_answers_both_alike()
    {
        var booking = await app.BookAsync();
        var key = Guid.NewGuid().ToString();
        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => app.StartCheckoutAsync(booking, key)));

        Assert.Equal(answers[0].GetRawText(), answers[1].GetRawText());
        Assert.Single(app.Stripe.RequestsTo("/v1/checkout/sessions"), r => r.Form.GetValueOrDefault("metadata[invoice_id]") == booking.InvoiceId.ToString());

        // the same key for another invoice is another request: refused, whatever that invoice is
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(booking.InvoiceId + 1));
        request.Headers.Add("Idempotency-Key", key);
        await (await booking.ClientApi(app).SendAsync(request)).AssertProblem(HttpStatusCode.Conflict, "idempotency_key_reused");
    }

    [Fact]
    public async Task Without_a_key_concurrent_clicks_still_make_one_session()
    {
        var booking = await app.BookAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => app.StartCheckoutAsync(booking)));
        Assert.Single(answers.Select(a => a.GetProperty("sessionId").GetString()).Distinct());
    }

    [Fact]
    public async Task A_paid_void_or_zero_invoice_cannot_be_paid()
    {
        var paid = await app.BookAsync();
        await app.PayAsync(paid);
        await (await paid.ClientApi(app).PostAsync(Url(paid.InvoiceId), null)).AssertProblem(HttpStatusCode.Conflict, "invoice_already_paid");

        var voided = await app.BookAsync();
        await (await voided.ProviderApi(app).PostJson($"{TestBookings.Api}/invoices/{voided.InvoiceId}/void", new { })).AssertJson(HttpStatusCode.OK);
        await (await voided.ClientApi(app).PostAsync(Url(voided.InvoiceId), null)).AssertProblem(HttpStatusCode.Conflict, "invoice_void");

        var zero = await app.BookAsync();
        await using (var db = app.Db())
        {
            await db.Invoices.Where(i => i.Id == zero.InvoiceId).Set(i => i.SubtotalCents, 0).Set(i => i.TotalCents, 0).Set(i => i.BalanceCents, 0).UpdateAsync();
        }
        await (await zero.ClientApi(app).PostAsync(Url(zero.InvoiceId), null)).AssertProblem(HttpStatusCode.Conflict, "invoice_zero_balance");
    }

    [Theory]
    [InlineData("manual", true)]
    [InlineData("offline", true)]
    [InlineData("stripe_connect", false)]
    public async Task A_provider_that_cannot_take_card_payments_is_409(string paymentMode, bool ready)
    {
        var booking = await app.BookAsync(paymentMode: paymentMode);
        if (!ready || paymentMode == "stripe_connect")
        {
            await using var db = app.Db();
            await db.Providers.Where(p => p.Id == booking.Provider.Id).Set(p => p.StripeConnectOnboardingComplete, false).UpdateAsync();
        }
        await (await booking.ClientApi(app).PostAsync(Url(booking.InvoiceId), null)).AssertProblem(HttpStatusCode.Conflict, "provider_cannot_accept_payments");
        Assert.DoesNotContain(app.Stripe.RequestsTo("/v1/checkout/sessions"), r => r.Form.GetValueOrDefault("metadata[invoice_id]") == booking.InvoiceId.ToString());
    }

    [Fact]
    public async Task Only_the_client_pays()
    {
        var booking = await app.BookAsync();
        await (await booking.ProviderApi(app).PostAsync(Url(booking.InvoiceId), null)).AssertProblem(HttpStatusCode.Forbidden, "not_invoice_client");
        var stranger = await app.CreateAsync();
        await (await app.Client(stranger.AccessToken).PostAsync(Url(booking.InvoiceId), null)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client().PostAsync(Url(booking.InvoiceId), null)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Without_a_Stripe_key_paying_is_503_stripe_not_configured()
    {
        var booking = await app.BookAsync();
        using var host = app.Isolated(settings: new Dictionary<string, string?> { ["Marketplace:Stripe:SecretKey"] = "" });
        using var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", booking.Client.AccessToken);
        await (await http.PostAsync(Url(booking.InvoiceId), null)).AssertProblem(HttpStatusCode.ServiceUnavailable, "stripe_not_configured");
    }
}

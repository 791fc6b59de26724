using System.Diagnostics;
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

    [Fact]
    public async Task A_session_about_to_expire_is_expired_at_Stripe_before_a_new_one_is_issued()
    {
        var booking = await app.BookAsync();
        var first = (await app.StartCheckoutAsync(booking)).GetProperty("sessionId").GetString()!;
        await ExpireSoonAsync(booking);

        var second = (await app.StartCheckoutAsync(booking)).GetProperty("sessionId").GetString()!;
        Assert.NotEqual(first, second);
        var expire = Assert.Single(app.Stripe.RequestsTo($"/v1/checkout/sessions/{first}/expire"));
        Assert.Equal($"expire-{first}", expire.IdempotencyKey);
        Assert.Empty(expire.Form);
        Assert.Equal("expired", (string?)app.Stripe.Objects[first]["status"]);
        Assert.Equal("open", (string?)app.Stripe.Objects[second]["status"]);
        // the expire went out before the new session was asked for
        var requests = app.Stripe.Requests.ToList();
        Assert.True(requests.IndexOf(expire) < requests.FindIndex(r => r.Path == "/v1/checkout/sessions" && r.Form.GetValueOrDefault("metadata[invoice_id]") == booking.InvoiceId.ToString()
            && r.IdempotencyKey == $"checkout-{booking.InvoiceId}-{first}"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_session_the_client_completed_meanwhile_is_not_replaced_409_payment_in_progress(bool asyncPayment)
    {
        var booking = await app.BookAsync();
        var first = (await app.StartCheckoutAsync(booking)).GetProperty("sessionId").GetString()!;
        app.Stripe.CompleteCheckoutSession(first, async: asyncPayment); // paid on Stripe's page; its webhook has not arrived yet
        await ExpireSoonAsync(booking);

        await (await booking.ClientApi(app).PostAsync(Url(booking.InvoiceId), null)).AssertProblem(HttpStatusCode.Conflict, "payment_in_progress");
        Assert.Single(app.Stripe.RequestsTo("/v1/checkout/sessions"), r => r.Form.GetValueOrDefault("metadata[invoice_id]") == booking.InvoiceId.ToString());
        Assert.Equal("complete", (string?)app.Stripe.Objects[first]["status"]);
        await using var db = app.Db();
        Assert.Equal(first, (await db.Invoices.FirstAsync(i => i.Id == booking.InvoiceId)).StripeCheckoutSessionId);
    }

    /// <summary>
    /// Stripe answering in 30 s must not hold database connections: on a host whose pool has 5,
    /// twelve pays wait on Stripe (up to its time and concurrency budget) while listings are read
    /// at once; the pays answer 503 (no slot) or 504 (budget spent) stripe_unavailable with Retry-After.
    /// </summary>
    [Fact]
    public async Task A_slow_Stripe_does_not_starve_the_connection_pool_and_pays_answer_stripe_unavailable()
    {
        var provider = await app.CreateProviderAsync();
        var bookings = new List<Infrastructure.TestBooking>();
        for (var i = 0; i < 12; i++)
        {
            bookings.Add(await app.BookAsync(provider: provider));
        }
        var invoices = bookings.Select(b => b.InvoiceId.ToString()).ToHashSet();
        var emails = bookings.Select(b => b.Client.Email).ToHashSet();
        bool Ours(Infrastructure.Stripe.StripeRequest r) =>
            (r.Path == "/v1/checkout/sessions" && invoices.Contains(r.Form.GetValueOrDefault("metadata[invoice_id]") ?? ""))
            || (r.Path == "/v1/customers" && emails.Contains(r.Form.GetValueOrDefault("email") ?? ""));
        using var slow = app.Stripe.Inject(Ours, delay: TimeSpan.FromSeconds(30));

        using var host = app.Isolated(settings: new Dictionary<string, string?>
        {
            // a small pool that waits 5 s for a free connection: held across Stripe calls, it would run dry
            ["ConnectionStrings:Marketplace"] = new Npgsql.NpgsqlConnectionStringBuilder(app.ConnectionString) { MaxPoolSize = 5, Timeout = 5 }.ConnectionString,
            ["Marketplace:Stripe:TimeoutSeconds"] = "3",
            ["Marketplace:Stripe:MaxConcurrentCalls"] = "4",
        });
        var pays = bookings.Select(async b =>
        {
            using var http = host.CreateClient();
            http.DefaultRequestHeaders.Authorization = new("Bearer", b.Client.AccessToken);
            return await http.PostAsync(Url(b.InvoiceId), null);
        }).ToList();

        var waited = Stopwatch.StartNew();
        while (app.Stripe.Requests.Count(Ours) < 4 && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }
        Assert.True(app.Stripe.Requests.Count(Ours) >= 4, "the pays reached Stripe");

        // listings are read while the pays wait on Stripe, more at once than the pool holds
        var reads = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var http = host.CreateClient();
            var started = Stopwatch.StartNew();
            var response = await http.GetAsync($"{TestBookings.Api}/listings?limit=5");
            return (response.StatusCode, started.Elapsed);
        }));
        Assert.All(reads, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(reads, r => Assert.True(r.Elapsed < TimeSpan.FromSeconds(2), $"GET /listings took {r.Elapsed.TotalMilliseconds:F0} ms"));

        var answers = await Task.WhenAll(pays);
        foreach (var answer in answers)
        {
            Assert.True(answer.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout, $"pay answered {(int)answer.StatusCode}");
            await answer.AssertProblem(answer.StatusCode, "stripe_unavailable");
            Assert.NotNull(answer.Headers.RetryAfter);
        }
        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.ServiceUnavailable); // refused at once: no slot
        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.GatewayTimeout); // waited its budget
        Assert.True(answers.Count(a => a.StatusCode == HttpStatusCode.GatewayTimeout) <= 4);
    }

    private async Task ExpireSoonAsync(Infrastructure.TestBooking booking)
    {
        await using var db = app.Db();
        await db.Invoices.Where(i => i.Id == booking.InvoiceId).Set(i => i.StripeCheckoutExpiresAt, DateTime.UtcNow.AddMinutes(2)).UpdateAsync();
    }
}

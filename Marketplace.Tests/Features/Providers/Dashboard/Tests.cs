using System.Net;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Infrastructure;
using Marketplace.Api.Payments;

namespace Marketplace.Tests.Features.Providers.Dashboard;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = TestBookings.Api + "/providers/me/dashboard";

    /// <summary>A provider with bookings in every state: paid, completed, partly and fully refunded, unpaid, pending, one paid two months ago.</summary>
    private async Task<TestProvider> BusyProviderAsync()
    {
        var provider = await app.CreateProviderAsync();
        var completed = await app.BookAsync(priceCents: 10000, provider: provider);
        await app.PayAsync(completed);
        await (await completed.ProviderApi(app).PostAsync($"{TestBookings.Api}/transactions/{completed.TransactionId}/complete", null)).AssertJson(HttpStatusCode.OK);

        var partly = await app.BookAsync(priceCents: 5000, provider: provider);
        await app.PayAsync(partly);
        await (await partly.ProviderApi(app).PostJson($"{TestBookings.Api}/transactions/{partly.TransactionId}/refund", new { amountCents = 1999 })).AssertJson(HttpStatusCode.OK);

        var refunded = await app.BookAsync(priceCents: 3000, provider: provider);
        await app.PayAsync(refunded);
        await (await refunded.ClientApi(app).PostJson($"{TestBookings.Api}/transactions/{refunded.TransactionId}/cancel", new { })).AssertJson(HttpStatusCode.OK);

        var older = await app.BookAsync(priceCents: 2500, provider: provider, priceType: "hourly", quantity: 3);
        await app.PayAsync(older);
        await using (var db = app.Db())
        {
            var twoMonthsAgo = DateTime.UtcNow.AddMonths(-2);
            await db.Transactions.Where(t => t.Id == older.TransactionId).Set(t => t.PaidAt, twoMonthsAgo).UpdateAsync();
        }

        await app.BookAsync(priceCents: 700, provider: provider); // invoiced, unpaid
        var contact = await app.CreateListingAsync(provider, "active", "contact", null);
        var requester = await app.CreateAsync();
        await (await app.Client(requester.AccessToken).PostJson($"{TestBookings.Api}/transactions", new { listingId = contact })).AssertJson(HttpStatusCode.Created);
        await app.CreateListingAsync(provider, "paused");
        return provider;
    }

    [Fact]
    public async Task The_dashboard_figures_and_the_provider_counters_equal_sums_recomputed_from_the_rows()
    {
        var provider = await BusyProviderAsync();
        await using (var db = app.Db())
        {
            await db.Listings.Where(l => l.ProviderId == provider.Id).Set(l => l.ViewCount, l => l.Id % 7 + 10).Set(l => l.ViewsCounted, l => l.Id % 7 + 10).Set(l => l.InquiryCount, l => l.Id % 3).UpdateAsync();
        }

        var json = await (await app.Client(provider.Owner.AccessToken).GetAsync(Url)).AssertJson(HttpStatusCode.OK);

        using var check = app.Db();
        var rows = await check.Transactions.Where(t => t.ProviderId == provider.Id).ToListAsync();
        var paid = rows.Where(t => t.PaidAt is not null).ToList();
        var recent = paid.Where(t => t.PaidAt >= DateTime.UtcNow.AddDays(-30)).ToList();
        static (long Gross, long Fees, long Net, long Refunded, int Count) Sum(IEnumerable<Marketplace.Api.Data.TransactionRow> ts)
        {
            var list = ts.ToList();
            var gross = list.Sum(t => t.TotalCents - t.RefundAmountCents);
            var fees = list.Sum(t => t.PlatformFeeCents - Money.PlatformFeeRefunded(t.PlatformFeeCents, t.TotalCents, t.RefundAmountCents));
            return (gross, fees, gross - fees, list.Sum(t => t.RefundAmountCents), list.Count);
        }
        static (long, long, long, long, int) Read(JsonElement e) => (e.GetProperty("grossCents").GetInt64(), e.GetProperty("platformFeesCents").GetInt64(),
            e.GetProperty("netPayoutCents").GetInt64(), e.GetProperty("refundedCents").GetInt64(), e.GetProperty("paidTransactions").GetInt32());

        var allTime = Sum(paid);
        Assert.Equal(allTime, Read(json.GetProperty("allTime")));
        Assert.Equal(Sum(recent), Read(json.GetProperty("last30Days")));
        Assert.Equal((4, 3), (allTime.Count, recent.Count));
        Assert.Equal(10000 + 3001 + 0 + 7500, allTime.Gross);

        // 12 months, oldest first, each the sum of the bookings paid in it
        var monthly = json.GetProperty("monthly").EnumerateArray().ToList();
        Assert.Equal(12, monthly.Count);
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), monthly[^1].GetProperty("month").GetString());
        foreach (var month in monthly)
        {
            var inMonth = Sum(paid.Where(t => t.PaidAt!.Value.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture) == month.GetProperty("month").GetString()));
            Assert.Equal((inMonth.Gross, inMonth.Fees, inMonth.Net, inMonth.Count), (month.GetProperty("grossCents").GetInt64(),
                month.GetProperty("platformFeesCents").GetInt64(), month.GetProperty("netPayoutCents").GetInt64(), month.GetProperty("paidTransactions").GetInt32()));
        }
        Assert.Equal(allTime.Gross, monthly.Sum(m => m.GetProperty("grossCents").GetInt64()));

        var counts = json.GetProperty("transactions");
        foreach (var (status, field) in new[] { ("pending", "pending"), ("invoiced", "invoiced"), ("paid", "paid"), ("in_progress", "inProgress"), ("completed", "completed"), ("cancelled", "cancelled"), ("refunded", "refunded") })
        {
            Assert.Equal(rows.Count(t => t.Status == status), counts.GetProperty(field).GetInt32());
        }
        Assert.Equal(rows.Count, counts.GetProperty("total").GetInt32());

        var listings = await check.Listings.Where(l => l.ProviderId == provider.Id && l.DeletedAt == null).ToListAsync();
        var l = json.GetProperty("listings");
        Assert.Equal((listings.Count, listings.Count(x => x.Status == "active"), (long)listings.Sum(x => x.ViewCount), (long)listings.Sum(x => x.InquiryCount), (long)listings.Sum(x => x.BookingCount)),
            (l.GetProperty("total").GetInt32(), l.GetProperty("active").GetInt32(), l.GetProperty("views").GetInt64(), l.GetProperty("inquiries").GetInt64(), l.GetProperty("bookings").GetInt64()));

        // DESIGN: provider statistics kept exact in the same database transaction; recomputed here from the rows
        var p = await check.Providers.FirstAsync(x => x.Id == provider.Id);
        Assert.Equal(rows.Count, p.TotalTransactions);
        Assert.Equal(rows.Count(t => t.CompletedAt is not null), p.CompletedTransactions);
        Assert.Equal(paid.Sum(t => t.TotalCents - t.RefundAmountCents), p.TotalRevenueCents);
        Assert.Equal(paid.Sum(t => Money.NetPayout(t.TotalCents, t.PlatformFeeCents, t.RefundAmountCents)), p.LifetimePayoutCents);
        Assert.Equal((allTime.Gross, allTime.Net), (p.TotalRevenueCents, p.LifetimePayoutCents));
        // and the stored refunded fee is the proportional one
        Assert.All(rows, t => Assert.Equal(Money.PlatformFeeRefunded(t.PlatformFeeCents, t.TotalCents, t.RefundAmountCents), t.PlatformFeeRefundedCents));
        var invoices = await check.Invoices.Where(i => i.ProviderId == provider.Id).ToListAsync();
        Assert.All(invoices, i => Assert.Equal(i.TotalCents - i.PaidCents, i.BalanceCents));
        Assert.All(invoices, i => Assert.Equal(rows.Single(t => t.Id == i.TransactionId).RefundAmountCents, i.RefundedCents));

        Assert.Equal(("usd", 0m, 0), (json.GetProperty("currency").GetString(), json.GetProperty("rating").GetProperty("average").GetDecimal(), json.GetProperty("rating").GetProperty("reviews").GetInt32()));
    }

    [Fact]
    public async Task A_new_provider_sees_zeros_and_twelve_empty_months()
    {
        var provider = await app.CreateProviderAsync();
        var json = await (await app.Client(provider.Owner.AccessToken).GetAsync(Url)).AssertJson(HttpStatusCode.OK);
        Assert.Equal(0, json.GetProperty("allTime").GetProperty("grossCents").GetInt64());
        Assert.Equal(12, json.GetProperty("monthly").GetArrayLength());
        Assert.All(json.GetProperty("monthly").EnumerateArray(), m => Assert.Equal(0, m.GetProperty("grossCents").GetInt64()));
        Assert.Equal(0, json.GetProperty("transactions").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Only_providers_have_a_dashboard()
    {
        var buyer = await app.CreateAsync();
        await (await app.Client(buyer.AccessToken).GetAsync(Url)).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
        await (await app.Client().GetAsync(Url)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}

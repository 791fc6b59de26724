using System.Net;
using LinqToDB;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Admin.Metrics;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Metrics_add_up_the_period_from_the_rows()
    {
        var admin = await app.CreateAdminAsync();
        // a day of its own, far from every other test's rows
        var day = new DateTime(2040, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(Random.Shared.Next(0, 20_000));
        var provider = await app.CreateProviderAsync();
        var buyer = await app.CreateAsync();
        var paid = await app.CreateTransactionAsync(buyer, provider, status: "paid", priceCents: 10_000);          // fee 1,000
        var completed = await app.CreateTransactionAsync(buyer, provider, status: "completed", priceCents: 20_000); // fee 2,000
        var refunded = await app.CreateTransactionAsync(buyer, provider, status: "refunded", priceCents: 5_000);    // fee 500
        var pending = await app.CreateTransactionAsync(buyer, provider, status: "pending", priceCents: 7_000);
        using (var db = app.Db())
        {
            foreach (var id in new[] { paid, completed, refunded })
            {
                await db.Transactions.Where(t => t.Id == id).Set(t => t.CreatedAt, day.AddHours(1)).Set(t => t.PaidAt, day.AddHours(2)).UpdateAsync();
            }
            await db.Transactions.Where(t => t.Id == pending).Set(t => t.CreatedAt, day.AddHours(3)).UpdateAsync();
            await db.Transactions.Where(t => t.Id == refunded).Set(t => t.RefundedAt, day.AddHours(4)).Set(t => t.RefundAmountCents, 5_000)
                .Set(t => t.PlatformFeeRefundedCents, 500).UpdateAsync();
            await db.Users.Where(u => u.Id == buyer.Id || u.Id == provider.Owner.Id).Set(u => u.CreatedAt, day.AddHours(5)).UpdateAsync();
            await db.Providers.Where(p => p.Id == provider.Id).Set(p => p.CreatedAt, day.AddDays(1).AddHours(1)).UpdateAsync();
        }
        var range = $"from={Uri.EscapeDataString(day.ToString("O"))}&to={Uri.EscapeDataString(day.AddDays(2).ToString("O"))}";

        var json = await (await app.Client(admin.AccessToken).GetAsync($"{AdminApi.Base}/metrics?{range}")).AssertJson(HttpStatusCode.OK);

        Assert.Equal(35_000, json.GetProperty("grossBookingValueCents").GetInt64());
        Assert.Equal(3_000, json.GetProperty("platformFeesCents").GetInt64());
        Assert.Equal(5_000, json.GetProperty("refundsCents").GetInt64());
        Assert.Equal(0.0857m, json.GetProperty("takeRate").GetDecimal());
        var byStatus = json.GetProperty("bookingsByStatus");
        Assert.Equal((1, 1, 1, 1, 0), (byStatus.GetProperty("paid").GetInt32(), byStatus.GetProperty("completed").GetInt32(),
            byStatus.GetProperty("refunded").GetInt32(), byStatus.GetProperty("pending").GetInt32(), byStatus.GetProperty("cancelled").GetInt32()));
        var users = Assert.Single(json.GetProperty("newUsersPerDay").EnumerateArray());
        Assert.Equal((day.ToString("yyyy-MM-dd"), 2), (users.GetProperty("date").GetString(), users.GetProperty("count").GetInt32()));
        var providers = Assert.Single(json.GetProperty("newProvidersPerDay").EnumerateArray());
        Assert.Equal((day.AddDays(1).ToString("yyyy-MM-dd"), 1), (providers.GetProperty("date").GetString(), providers.GetProperty("count").GetInt32()));
    }

    [Fact]
    public async Task A_reversed_or_too_long_period_is_400()
    {
        var admin = await app.CreateAdminAsync();
        var client = app.Client(admin.AccessToken);
        await (await client.GetAsync($"{AdminApi.Base}/metrics?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z")).AssertValidationError("to");
        await (await client.GetAsync($"{AdminApi.Base}/metrics?from=2025-01-01T00:00:00Z&to=2026-11-01T00:00:00Z")).AssertValidationError("to");
        await (await client.GetAsync($"{AdminApi.Base}/metrics")).AssertJson(HttpStatusCode.OK);
    }
}

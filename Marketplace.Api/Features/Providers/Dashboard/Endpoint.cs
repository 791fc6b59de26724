using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers.Dashboard;

public sealed class Endpoint(Db db, MarketplaceOptions options, TimeProvider clock) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("providers/me/dashboard");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ProducesProblemDetails(401).ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "Provider dashboard";
            s.Description = "Revenue all-time and over the last 30 days (gross paid net of refunds, platform fees, net payout), "
                + "a 12-month series (UTC months, by payment date), booking counts by status, listing views, inquiries and bookings, "
                + "the rating, and the payouts Stripe reported (paid out, in transit, failed) beside the ledger's payout figure. Providers only (403 not_a_provider).";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var providerId = HttpContext.CurrentUser().ProviderId!.Value;
        var now = clock.GetUtcNow().UtcDateTime;

        var revenue = await Data.RevenueAsync(db, providerId, now.AddDays(-30), ct);
        var months = await Data.MonthlyAsync(db, providerId, now, ct);
        var statuses = (await Data.StatusCountsAsync(db, providerId, ct)).ToDictionary(s => s.Status, s => s.Count);
        var listings = await Data.ListingsAsync(db, providerId, ct);
        var rating = await Data.RatingAsync(db, providerId, ct);
        var payouts = await Data.PayoutsAsync(db, providerId, ct);

        int Count(string status) => statuses.GetValueOrDefault(status);
        await Send.OkAsync(new Response(
            options.Currency,
            new RevenueTotals(revenue.GrossCents, revenue.PlatformFeesCents, revenue.GrossCents - revenue.PlatformFeesCents, revenue.RefundedCents, revenue.PaidTransactions),
            new RevenueTotals(revenue.Gross30Cents, revenue.PlatformFees30Cents, revenue.Gross30Cents - revenue.PlatformFees30Cents, revenue.Refunded30Cents, revenue.Paid30Transactions),
            [.. months.Select(m => new MonthRevenue(m.Month, m.GrossCents, m.PlatformFeesCents, m.GrossCents - m.PlatformFeesCents, m.PaidTransactions))],
            new TransactionCounts(statuses.Values.Sum(), Count("pending"), Count("invoiced"), Count("paid"), Count("in_progress"),
                Count("completed"), Count("cancelled"), Count("refunded")),
            new ListingStats(listings.Total, listings.Active, listings.Views, listings.Inquiries, listings.Bookings),
            rating,
            payouts), ct);
    }
}

using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Providers.GetStripeConnect;

internal sealed record Provider(string? StripeConnectAccountId, string Status, DateTime? ActivatedAt, bool ChargesReady, bool PayoutsEnabled, bool DetailsSubmitted);

internal static class Data
{
    public static Task<Provider?> GetAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId && p.DeletedAt == null)
            .Select(p => new Provider(p.StripeConnectAccountId, p.Status, p.ActivatedAt, p.StripeConnectOnboardingComplete,
                p.StripeConnectPayoutsEnabled, p.StripeConnectDetailsSubmitted))
            .FirstOrDefaultAsync(ct);
}

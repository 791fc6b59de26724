using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Providers.StripeLoginLink;

internal sealed record Provider(string? StripeConnectAccountId, bool DetailsSubmitted);

internal static class Data
{
    public static Task<Provider?> GetAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId && p.DeletedAt == null)
            .Select(p => new Provider(p.StripeConnectAccountId, p.StripeConnectDetailsSubmitted))
            .FirstOrDefaultAsync(ct);
}

using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Providers.StartStripeConnect;

internal sealed record Provider(int Id, string PaymentMode, string Status, string? StripeConnectAccountId, string? Country, string BusinessName);

internal static class Data
{
    public static Task<Provider?> GetAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId && p.DeletedAt == null)
            .Select(p => new Provider(p.Id, p.PaymentMode, p.Status, p.StripeConnectAccountId, p.Country, p.BusinessName))
            .FirstOrDefaultAsync(ct);

    /// <summary>Stores the account id once; 0 when another request stored one first.</summary>
    public static Task<int> StoreAccountAsync(Db db, int providerId, string accountId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId && p.StripeConnectAccountId == null)
            .Set(p => p.StripeConnectAccountId, accountId)
            .UpdateAsync(ct);

    public static Task<string?> GetAccountIdAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId).Select(p => p.StripeConnectAccountId).FirstOrDefaultAsync(ct);
}

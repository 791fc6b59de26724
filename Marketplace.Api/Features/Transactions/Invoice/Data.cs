using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Transactions.Invoice;

internal static class Data
{
    public static Task<string> PaymentModeAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId).Select(p => p.PaymentMode).FirstAsync(ct);
}

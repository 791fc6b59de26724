using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Reviews.Create;

internal sealed record Booking(long Id, int ProviderId, int? ListingId, string Status);

internal static class Data
{
    public static Task<Booking?> ClientTransactionAsync(Db db, long transactionId, int clientId, CancellationToken ct) =>
        db.Transactions.Where(t => t.Id == transactionId && t.ClientId == clientId)
            .Select(t => new Booking(t.Id, t.ProviderId, t.ListingId, t.Status))
            .FirstOrDefaultAsync(ct);

    /// <summary>
    /// Locks the provider row to the end of the transaction: reviews of one provider are written one
    /// after the other, so each recomputation below sees every review committed before it.
    /// </summary>
    public static Task LockProviderAsync(Db db, int providerId, CancellationToken ct) =>
        db.ExecuteAsync("SELECT id FROM marketplace.providers WHERE id = @id FOR NO KEY UPDATE", ct,
            new DataParameter("id", providerId, DataType.Int32));

    public static Task<bool> ReviewExistsAsync(Db db, long transactionId, CancellationToken ct) =>
        db.Reviews.AnyAsync(r => r.TransactionId == transactionId, ct);

    /// <summary>DESIGN: provider statistics kept exact in the same transaction (see <see cref="ProviderRating"/>).</summary>
    public static Task RecomputeRatingAsync(Db db, int providerId, CancellationToken ct) => ProviderRating.RecomputeAsync(db, providerId, ct);
}

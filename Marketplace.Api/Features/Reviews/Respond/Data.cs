using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Reviews.Respond;

internal static class Data
{
    /// <summary>The answer is given once: the update only applies while there is none (0 rows otherwise).</summary>
    public static Task<int> RespondAsync(Db db, int reviewId, int providerId, string text, DateTime now, CancellationToken ct) =>
        db.Reviews.Where(r => r.Id == reviewId && r.ProviderId == providerId && r.Status != "removed" && r.ProviderResponse == null)
            .Set(r => r.ProviderResponse, text)
            .Set(r => r.RespondedAt, now)
            .Set(r => r.UpdatedAt, now)
            .UpdateAsync(ct);

    public static Task<ReviewRow> ReviewAsync(Db db, int reviewId, CancellationToken ct) =>
        db.Reviews.Where(r => r.Id == reviewId).FirstAsync(ct);
}

using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Reviews.ListForProvider;

internal static class Data
{
    public static Task<bool> ProviderExistsAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.AnyAsync(p => p.Id == providerId && p.DeletedAt == null && p.Status != "deleted", ct);
}

using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Admin.Providers.Badges;

internal static class Data
{
    /// <summary>Sets both operator badges; 0 rows when they already had these values (nothing to audit).</summary>
    public static Task<int> SetAsync(Db db, int providerId, bool verified, bool premium, DateTime now, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId && p.DeletedAt == null && (p.VerifiedProvider != verified || p.PremiumProvider != premium))
            .Set(p => p.VerifiedProvider, verified)
            .Set(p => p.PremiumProvider, premium)
            .Set(p => p.UpdatedAt, now)
            .UpdateAsync(ct);
}

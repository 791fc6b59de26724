using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Admin.Providers.VerifyTenant;

internal sealed record Owner(int UserId, int? ProviderTenantId);

internal static class Data
{
    public static async Task<Owner?> OwnerAsync(Db db, int providerId, CancellationToken ct) =>
        (await Pg.QueryAsync(db, "SELECT user_id, tenant_id FROM marketplace.providers WHERE id = $1 AND deleted_at IS NULL",
            r => new Owner(r.GetInt32(0), r.Get<int?>(1)), ct, Pg.P(providerId))).FirstOrDefault();

    /// <summary>
    /// The owner's account carries the verification (providers show tenantVerified from it when both
    /// name the same tenant): it takes the provider's tenant when it had none. 0 rows when the user
    /// names another tenant or was verified already.
    /// </summary>
    public static Task<int> VerifyAsync(Db db, int userId, int tenantId, CancellationToken ct) =>
        Pg.ExecuteAsync(db, """
            UPDATE marketplace.users SET tenant_id = $2, tenant_verified = true
             WHERE id = $1 AND (tenant_id IS NULL OR tenant_id = $2) AND NOT (tenant_verified AND tenant_id IS NOT DISTINCT FROM $2)
            """, ct, Pg.P(userId), Pg.P(tenantId));

    public static async Task<(int? TenantId, bool Verified)> UserTenantAsync(Db db, int userId, CancellationToken ct) =>
        (await Pg.QueryAsync(db, "SELECT tenant_id, tenant_verified FROM marketplace.users WHERE id = $1 FOR NO KEY UPDATE",
            r => (r.Get<int?>(0), r.GetBoolean(1)), ct, Pg.P(userId)))[0];
}

using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Linq;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Providers.UpdateMine;

internal static class Data
{
    public static Task<ProviderRow?> GetAsync(Db db, int providerId, CancellationToken ct) =>
        db.Providers.Where(p => p.Id == providerId && p.DeletedAt == null).FirstOrDefaultAsync(ct);

    /// <summary>One UPDATE writing only the columns the body carried.</summary>
    public static Task<int> UpdateAsync(Db db, int providerId, Request r, CancellationToken ct)
    {
        IUpdatable<ProviderRow> update = db.Providers.Where(p => p.Id == providerId && p.DeletedAt == null).AsUpdatable();
        update = SetIf(update, r, nameof(r.BusinessName), p => p.BusinessName, r.BusinessName?.Trim());
        update = SetIf(update, r, nameof(r.ProviderType), p => p.ProviderType, r.ProviderType);
        update = SetIf(update, r, nameof(r.TenantId), p => p.TenantId, r.TenantId);
        update = SetIf(update, r, nameof(r.BusinessDescription), p => p.BusinessDescription, r.BusinessDescription);
        update = SetIf(update, r, nameof(r.LogoUrl), p => p.LogoUrl, r.LogoUrl);
        update = SetIf(update, r, nameof(r.CoverImageUrl), p => p.CoverImageUrl, r.CoverImageUrl);
        update = SetIf(update, r, nameof(r.PublicEmail), p => p.PublicEmail, r.PublicEmail);
        update = SetIf(update, r, nameof(r.PublicPhone), p => p.PublicPhone, r.PublicPhone);
        update = SetIf(update, r, nameof(r.Website), p => p.Website, r.Website);
        update = SetIf(update, r, nameof(r.City), p => p.City, r.City);
        update = SetIf(update, r, nameof(r.State), p => p.State, r.State);
        update = SetIf(update, r, nameof(r.Zip), p => p.Zip, r.Zip);
        update = SetIf(update, r, nameof(r.Country), p => p.Country, r.Country);
        update = SetIf(update, r, nameof(r.PaymentInstructions), p => p.PaymentInstructions, r.PaymentInstructions);
        update = SetIf(update, r, nameof(r.BusinessHours), p => p.BusinessHours, BusinessHours.ToJson(r.BusinessHours));
        update = SetIf(update, r, nameof(r.TimeZone), p => p.TimeZone, r.TimeZone);
        update = SetIf(update, r, nameof(r.CancellationPolicy), p => p.CancellationPolicy, r.CancellationPolicy ?? "flexible");
        return update.UpdateAsync(ct);
    }

    private static IUpdatable<ProviderRow> SetIf<TValue>(IUpdatable<ProviderRow> update, Request r, string property,
        System.Linq.Expressions.Expression<Func<ProviderRow, TValue>> column, TValue value) =>
        r.Has(property) ? update.Set(column, value) : update;
}

using System.Linq.Expressions;
using LinqToDB;
using LinqToDB.Linq;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Listings.Update;

internal static class Data
{
    /// <summary>
    /// One UPDATE writing only the columns the body carried, and only while the listing still has
    /// the status the checks were made against (0 rows: it changed meanwhile).
    /// </summary>
    public static Task<int> UpdateAsync(Db db, int listingId, string expectedStatus, Request r, CancellationToken ct)
    {
        IUpdatable<ListingRow> update = db.Listings
            .Where(l => l.Id == listingId && l.DeletedAt == null && l.Status == expectedStatus)
            .AsUpdatable();
        update = SetIf(update, r, nameof(r.Title), l => l.Title, r.Title?.Trim());
        update = SetIf(update, r, nameof(r.Description), l => l.Description, r.Description);
        update = SetIf(update, r, nameof(r.Category), l => l.Category, r.Category);
        update = SetIf(update, r, nameof(r.Subcategory), l => l.Subcategory, r.Subcategory);
        update = SetIf(update, r, nameof(r.PriceCents), l => l.PriceCents, r.PriceCents);
        update = SetIf(update, r, nameof(r.PriceType), l => l.PriceType, r.PriceType);
        update = SetIf(update, r, nameof(r.PriceText), l => l.PriceText, r.PriceText);
        update = SetIf(update, r, nameof(r.Images), l => l.Images, ListingRules.ImagesToJson(r.Images));
        update = SetIf(update, r, nameof(r.CoverImageUrl), l => l.CoverImageUrl, r.CoverImageUrl);
        update = SetIf(update, r, nameof(r.City), l => l.City, r.City);
        update = SetIf(update, r, nameof(r.State), l => l.State, r.State);
        update = SetIf(update, r, nameof(r.Zip), l => l.Zip, r.Zip);
        update = SetIf(update, r, nameof(r.Duration), l => l.Duration, r.Duration);
        update = SetIf(update, r, nameof(r.Availability), l => l.Availability, r.Availability);
        update = SetIf(update, r, nameof(r.MetaDescription), l => l.MetaDescription, r.MetaDescription);
        update = SetIf(update, r, nameof(r.Keywords), l => l.Keywords, r.Keywords);
        update = SetIf(update, r, nameof(r.InstantBooking), l => l.InstantBooking, r.InstantBooking ?? true);
        update = SetIf(update, r, nameof(r.CancellationPolicy), l => l.CancellationPolicy, r.CancellationPolicy);
        return update.UpdateAsync(ct);
    }

    private static IUpdatable<ListingRow> SetIf<TValue>(IUpdatable<ListingRow> update, Request r, string property,
        Expression<Func<ListingRow, TValue>> column, TValue value) =>
        r.Has(property) ? update.Set(column, value) : update;
}

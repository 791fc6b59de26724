using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Listings.Create;

internal static class Data
{
    public static Task<int> InsertAsync(Db db, ListingRow row, CancellationToken ct) =>
        db.InsertWithInt32IdentityAsync(row, token: ct);
}

using System.Linq.Expressions;
using LinqToDB;
using LinqToDB.Linq;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth.UpdateMe;

internal static class Data
{
    /// <summary>One UPDATE setting exactly the fields the body named; nothing when it named none.</summary>
    public static Task<int> UpdateAsync(Db db, int userId, Request req, CancellationToken ct)
    {
        var update = db.Users.Where(u => u.Id == userId && u.DeletedAt == null).AsUpdatable();
        var fields = 0;
        void Set(PatchRequest body, string property, string? value, Expression<Func<UserRow, string?>> column, bool upper = false)
        {
            if (body.Has(property))
            {
                var stored = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
                update = update.Set(column, upper ? stored?.ToUpperInvariant() : stored);
                fields++;
            }
        }

        Set(req, nameof(req.FirstName), req.FirstName, u => u.FirstName);
        Set(req, nameof(req.LastName), req.LastName, u => u.LastName);
        Set(req, nameof(req.Phone), req.Phone, u => u.Phone);
        if (req.Has(nameof(req.Address)))
        {
            // "address": null clears every line of it
            var address = req.Address ?? Cleared;
            Set(address, nameof(address.AddressLine1), address.AddressLine1, u => u.AddressLine1);
            Set(address, nameof(address.AddressLine2), address.AddressLine2, u => u.AddressLine2);
            Set(address, nameof(address.City), address.City, u => u.City);
            Set(address, nameof(address.State), address.State, u => u.State);
            Set(address, nameof(address.Zip), address.Zip, u => u.Zip);
            Set(address, nameof(address.Country), address.Country, u => u.Country, upper: true);
        }
        return fields == 0 ? Task.FromResult(0) : update.UpdateAsync(ct);
    }

    private static AddressPatch Cleared => new()
    {
        AddressLine1 = null,
        AddressLine2 = null,
        City = null,
        State = null,
        Zip = null,
        Country = null,
    };
}

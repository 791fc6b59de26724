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
        void Set(Optional<string?> field, System.Linq.Expressions.Expression<Func<UserRow, string?>> column, bool upper = false)
        {
            if (field.IsSet)
            {
                var value = string.IsNullOrWhiteSpace(field.Value) ? null : field.Value.Trim();
                update = update.Set(column, upper ? value?.ToUpperInvariant() : value);
                fields++;
            }
        }

        Set(req.FirstName, u => u.FirstName);
        Set(req.LastName, u => u.LastName);
        Set(req.Phone, u => u.Phone);
        if (req.Address.IsSet)
        {
            var address = req.Address.Value ?? Cleared;
            Set(address.AddressLine1, u => u.AddressLine1);
            Set(address.AddressLine2, u => u.AddressLine2);
            Set(address.City, u => u.City);
            Set(address.State, u => u.State);
            Set(address.Zip, u => u.Zip);
            Set(address.Country, u => u.Country, upper: true);
        }
        return fields == 0 ? Task.FromResult(0) : update.UpdateAsync(ct);
    }

    private static readonly AddressPatch Cleared = new()
    {
        AddressLine1 = new(null),
        AddressLine2 = new(null),
        City = new(null),
        State = new(null),
        Zip = new(null),
        Country = new(null),
    };
}

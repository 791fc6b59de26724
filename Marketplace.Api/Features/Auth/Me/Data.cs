using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Auth.Me;

internal static class Data
{
    public static Task<Response?> GetAsync(Db db, int userId, CancellationToken ct) =>
        (from u in db.Users
         from p in db.Providers.Where(p => p.UserId == u.Id && p.DeletedAt == null).DefaultIfEmpty()
         where u.Id == userId && u.DeletedAt == null
         select new Response(
             u.Id, u.Email, u.EmailVerified, u.FirstName, u.LastName, u.Phone,
             new Address(u.AddressLine1, u.AddressLine2, u.City, u.State, u.Zip, u.Country),
             u.UserType, p != null, (int?)p.Id, u.TenantId, u.TenantVerified, u.Status, u.CreatedAt, u.LastLoginAt))
        .FirstOrDefaultAsync(ct);
}

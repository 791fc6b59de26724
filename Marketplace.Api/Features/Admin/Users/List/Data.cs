using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Admin.Users.List;

internal static class Data
{
    /// <summary>Newest first on (created_at, id); q matches a substring of the e-mail or of "first last".</summary>
    public static Task<List<Item>> PageAsync(Db db, string? q, string? status, Cursor? after, int limit, CancellationToken ct)
    {
        var users = db.Users.AsQueryable();
        if (q is not null)
        {
            var pattern = "%" + q.ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            users = users.Where(u => Sql.Like(u.Email.ToLower(), pattern)
                || Sql.Like(((u.FirstName ?? "") + " " + (u.LastName ?? "")).ToLower(), pattern));
        }
        if (status is not null)
        {
            users = users.Where(u => u.Status == status);
        }
        if (after is not null)
        {
            users = users.Where(u => u.CreatedAt < after.CreatedAt || (u.CreatedAt == after.CreatedAt && u.Id < after.Id));
        }
        return (
            from u in users
            from p in db.Providers.Where(p => p.UserId == u.Id && p.DeletedAt == null).DefaultIfEmpty()
            orderby u.CreatedAt descending, u.Id descending
            select new Item(u.Id, u.Email, u.FirstName, u.LastName, u.Status, u.IsAdmin, (int?)p.Id, u.CreatedAt))
            .Take(limit + 1)
            .ToListAsync(ct);
    }
}

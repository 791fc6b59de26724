using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Admin.AuditLog.List;

internal static class Data
{
    /// <summary>
    /// Newest first on (created_at, id): by entity on ix_audit_log_entity_created_at_id, by actor on
    /// ix_audit_log_actor_created_at_id, otherwise ix_audit_log_created_at_id; from/to bound the same key.
    /// </summary>
    public static Task<List<AuditLogRow>> PageAsync(Db db, Request r, Cursor? after, int limit, CancellationToken ct)
    {
        var q = db.AuditLog.AsQueryable();
        if (r.EntityType is not null)
        {
            q = q.Where(a => a.EntityType == r.EntityType);
        }
        if (r.EntityId is not null)
        {
            q = q.Where(a => a.EntityId == r.EntityId);
        }
        if (r.ActorId is not null)
        {
            q = q.Where(a => a.ActorUserId == r.ActorId);
        }
        if (r.From is { } from)
        {
            var f = DateTime.SpecifyKind(from.ToUniversalTime(), DateTimeKind.Utc);
            q = q.Where(a => a.CreatedAt >= f);
        }
        if (r.To is { } to)
        {
            var t = DateTime.SpecifyKind(to.ToUniversalTime(), DateTimeKind.Utc);
            q = q.Where(a => a.CreatedAt < t);
        }
        if (after is not null)
        {
            q = q.Where(a => a.CreatedAt < after.CreatedAt || (a.CreatedAt == after.CreatedAt && a.Id < after.Id));
        }
        return q.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id).Take(limit + 1).ToListAsync(ct);
    }
}

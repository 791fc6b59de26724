using System.Text.Json;
using Marketplace.Api.Data;

namespace Marketplace.Api.Infrastructure;

/// <summary>One state change of a record, for <see cref="Audit.WriteAsync"/>.</summary>
/// <param name="EntityType">transaction | invoice | provider | listing | review | user</param>
/// <param name="ActorUserId">Who did it; null when the system did (webhook, job).</param>
/// <param name="ActorRole">client | provider | admin | system</param>
public sealed record AuditEntry(
    string EntityType,
    long EntityId,
    string Action,
    string? FromStatus,
    string? ToStatus,
    int? ActorUserId,
    string? ActorRole,
    object? Details = null);

/// <summary>
/// The audit trail (DESIGN: every state change of a transaction, invoice, provider or listing
/// writes who, what, from -> to and when). Call it with the same <see cref="Db"/>, inside the same
/// database transaction as the change itself.
/// </summary>
public static class Audit
{
    public static async Task WriteAsync(Db db, TimeProvider clock, AuditEntry entry, CancellationToken ct) =>
        await Pg.ExecuteAsync(db, Insert([entry], clock.GetUtcNow().UtcDateTime), ct);

    /// <summary>The INSERT of these entries (one statement), for a caller writing them in its own batch.</summary>
    public static PgStatement Insert(IEnumerable<AuditEntry> entries, DateTime at) => Pg.InsertRows(
        "INSERT INTO marketplace.audit_log (entity_type, entity_id, action, from_status, to_status, actor_user_id, actor_role, details, created_at)",
        entries, e => [Pg.P(e.EntityType), Pg.P(e.EntityId), Pg.P(e.Action), Pg.P(e.FromStatus), Pg.P(e.ToStatus), Pg.P(e.ActorUserId), Pg.P(e.ActorRole),
            Pg.Jsonb(e.Details is null ? null : JsonSerializer.Serialize(e.Details, JsonSerializerOptions.Web)), Pg.P(at)]);
}

using System.Text.Json;
using LinqToDB;
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
    public static Task WriteAsync(Db db, TimeProvider clock, AuditEntry entry, CancellationToken ct) =>
        db.InsertAsync(new AuditLogRow
        {
            EntityType = entry.EntityType,
            EntityId = entry.EntityId,
            Action = entry.Action,
            FromStatus = entry.FromStatus,
            ToStatus = entry.ToStatus,
            ActorUserId = entry.ActorUserId,
            ActorRole = entry.ActorRole,
            Details = entry.Details is null ? null : JsonSerializer.Serialize(entry.Details, JsonSerializerOptions.Web),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        }, token: ct);
}

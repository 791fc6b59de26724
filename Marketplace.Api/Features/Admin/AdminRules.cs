using System.Text.Json;
using FluentValidation;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Admin;

/// <summary>What every admin action shares: the reason it gives and the audit rows it reads back.</summary>
public static class AdminRules
{
    public const int MaxReasonLength = 500;

    /// <summary>The actor role of every audit row an admin action writes.</summary>
    public const string ActorRole = "admin";

    /// <summary>A reason is required where an action changes someone's standing: 1 to 500 characters once trimmed.</summary>
    public static IRuleBuilderOptions<T, string?> AdminReason<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(t => !string.IsNullOrWhiteSpace(t)).WithMessage("reason must not be empty.")
            .Must(t => t is null || t.Trim().Length <= MaxReasonLength).WithMessage($"reason must be at most {MaxReasonLength} characters.");
}

/// <summary>One audit row as the admin routes show it.</summary>
/// <param name="Id">The audit row's id.</param>
/// <param name="EntityType">transaction | invoice | provider | listing | review | user</param>
/// <param name="EntityId">The id of the changed record.</param>
/// <param name="Action">What happened (create, suspend, remove, ...).</param>
/// <param name="FromStatus">The status before, when the action moved one.</param>
/// <param name="ToStatus">The status after, when the action moved one.</param>
/// <param name="ActorUserId">Who acted; null when the system did (webhook, job, CLI).</param>
/// <param name="ActorRole">client | provider | admin | system</param>
/// <param name="Details">What else the action recorded (reason, amounts), as a JSON object.</param>
/// <param name="CreatedAt">When.</param>
public sealed record AdminAuditItem(
    long Id,
    string EntityType,
    long EntityId,
    string Action,
    string? FromStatus,
    string? ToStatus,
    int? ActorUserId,
    string? ActorRole,
    IReadOnlyDictionary<string, JsonElement>? Details,
    DateTime CreatedAt)
{
    public static AdminAuditItem From(AuditLogRow a) => new(a.Id, a.EntityType, a.EntityId, a.Action, a.FromStatus, a.ToStatus,
        a.ActorUserId, a.ActorRole, a.Details is null ? null : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(a.Details), a.CreatedAt);

    /// <summary>The newest audit rows about a user or done by them.</summary>
    public static async Task<IReadOnlyList<AdminAuditItem>> RecentForUserAsync(Db db, int userId, int limit, CancellationToken ct)
    {
        var about = db.AuditLog.Where(a => a.EntityType == "user" && a.EntityId == userId);
        var by = db.AuditLog.Where(a => a.ActorUserId == userId);
        var rows = await about.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id).Take(limit)
            .Concat(by.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id).Take(limit))
            .ToListAsync(ct);
        return rows.DistinctBy(a => a.Id).OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id).Take(limit).Select(From).ToList();
    }
}

using FluentValidation;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Integrations.Events;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Webhooks;

/// <summary>A webhook endpoint as its owner sees it (the secret only when created or rotated).</summary>
/// <param name="Id">The endpoint's id.</param>
/// <param name="Url">Where events are POSTed.</param>
/// <param name="EventTypes">The event types delivered to it.</param>
/// <param name="Disabled">True while nothing is delivered (by the owner, or after 3 days of failures).</param>
/// <param name="DisabledReason">null | owner | failing.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">When it last changed.</param>
/// <param name="Secret">The signing secret (whsec_...): only in the answers of create and rotate-secret; null elsewhere.</param>
public sealed record WebhookEndpointView(int Id, string Url, IReadOnlyList<string> EventTypes, bool Disabled, string? DisabledReason,
    DateTime CreatedAt, DateTime UpdatedAt, string? Secret)
{
    public static WebhookEndpointView From(WebhookEndpointRow w, string? secret = null) =>
        new(w.Id, w.Url, w.EventTypes, w.Disabled, w.DisabledReason, w.CreatedAt, w.UpdatedAt, secret);
}

internal static class WebhookEndpoints
{
    public const int MaxPerUser = 10;

    /// <summary>The caller's endpoint, or 404.</summary>
    public static async Task<WebhookEndpointRow> OwnedAsync(Db db, int id, int userId, CancellationToken ct) =>
        await db.GetTable<WebhookEndpointRow>().FirstOrDefaultAsync(w => w.Id == id && w.UserId == userId, ct)
        ?? throw ApiProblem.NotFound("webhook endpoint");

    /// <summary>The database's precision (microseconds), so answers are what is stored.</summary>
    public static DateTime Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % 10));
    }

    public static IRuleBuilderOptions<T, string[]?> EventTypeList<T>(this IRuleBuilder<T, string[]?> rule) =>
        rule.Must(t => t is { Length: > 0 and <= 50 } && t.All(x => x is not null && Events.EventTypes.All.Contains(x)))
            .WithMessage($"eventTypes must list 1 to 50 of: {string.Join(", ", Events.EventTypes.All.Order())}.");

    public static IRuleBuilderOptions<T, string?> WebhookUrl<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(2000).WithMessage("url must have at most 2000 characters.");

    /// <summary>400 url_not_allowed when the target policy refuses the URL (scheme, internal address).</summary>
    public static async Task CheckTargetAsync(WebhookTargets targets, string url, CancellationToken ct)
    {
        if (await targets.ProblemAsync(url, ct) is { } problem)
        {
            throw ApiProblem.BadRequest("url_not_allowed", problem);
        }
    }
}

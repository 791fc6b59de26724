using System.Text.Json;
using FastEndpoints;
using FluentValidation;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Events.Feed;

public sealed record Request
{
    /// <summary>Answer events with a larger sequence than this one (the last one you processed); 0 or absent for the oldest.</summary>
    public long? After { get; init; }

    /// <summary>Comma-separated event types to answer (e.g. <c>transaction.paid,invoice.paid</c>); absent for all.</summary>
    public string? Types { get; init; }

    /// <summary>At most this many events (1-100, default 20).</summary>
    public int? Limit { get; init; }
}

public sealed class Validator : Validator<Request>
{
    public Validator()
    {
        RuleFor(r => r.After).GreaterThanOrEqualTo(0).When(r => r.After is not null).WithMessage("after must be 0 or a sequence.");
        RuleFor(r => r.Limit).InclusiveBetween(1, Paging.MaxLimit).When(r => r.Limit is not null)
            .WithMessage($"limit must be between 1 and {Paging.MaxLimit}.");
        RuleFor(r => r.Types).MaximumLength(2000)
            .Must(t => t is null || Endpoint.ParseTypes(t).All(EventTypes.All.Contains))
            .WithMessage(r => $"types must be a comma-separated list of event types: {string.Join(", ", EventTypes.All.Order())}.");
    }
}

/// <param name="Items">The events, in sequence order.</param>
/// <param name="NextAfter">What to send as <c>after</c> next time: the last item's sequence, or the <c>after</c> you sent when there was nothing new.</param>
public sealed record Response(IReadOnlyList<EventItem> Items, long NextAfter);

/// <summary>One domain event.</summary>
/// <param name="Id">Unique id of the event (the <c>webhook-id</c> of its deliveries): deduplicate on it.</param>
/// <param name="Sequence">Feed position: increasing in the feed; gaps are normal.</param>
/// <param name="Type">What happened (<c>resource.what</c>).</param>
/// <param name="OccurredAt">When the change was made.</param>
/// <param name="Resource">The resource that changed.</param>
/// <param name="Data">The resource as its GET answered it right after the change (which GET for each resource type: this operation's description).</param>
public sealed record EventItem(Guid Id, long Sequence, [OneOf(typeof(EventTypes), nameof(EventTypes.Names))] string Type, DateTime OccurredAt, EventResource Resource, JsonElement Data);

/// <param name="Type">The kind of resource that changed; it decides the shape of data.</param>
/// <param name="Id">The resource's id as its routes take it.</param>
public sealed record EventResource([OneOf(typeof(EventTypes), nameof(EventTypes.ResourceTypes))] string Type, string Id);

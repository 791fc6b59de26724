using System.Text.Json;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Events;

/// <summary>
/// One state change, as integrators see it in <c>GET /events</c> and in webhook deliveries.
/// </summary>
/// <param name="Type">the resource and what happened to it: <c>listing.published</c>, <c>transaction.paid</c> (see <see cref="EventTypes"/>)</param>
/// <param name="ResourceType">user | provider | listing | transaction | invoice | message | review | ...</param>
/// <param name="ResourceId">the resource's id as its routes take it</param>
/// <param name="Data">the resource as its GET answers it, serialised like the API's answers</param>
/// <param name="PartyUserIds">the users who may see the event: the parties of the resource</param>
public sealed record DomainEvent(string Type, string ResourceType, string ResourceId, object Data, IReadOnlyCollection<int> PartyUserIds);

/// <summary>
/// Writes domain events (DESIGN round 2: every state change writes one in the same database
/// transaction as the change). Call it with the same <see cref="Db"/>, inside the change's
/// transaction, after the change; or add <see cref="Insert"/> to the change's own batch.
/// </summary>
public static class DomainEvents
{
    /// <summary>The API's JSON conventions, so <c>data</c> reads like the GET answer.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task AppendAsync(Db db, TimeProvider clock, DomainEvent e, CancellationToken ct) =>
        await Pg.ExecuteAsync(db, Insert([e], clock.GetUtcNow().UtcDateTime), ct);

    public static async Task AppendAsync(Db db, TimeProvider clock, IReadOnlyCollection<DomainEvent> events, CancellationToken ct)
    {
        if (events.Count > 0)
        {
            await Pg.ExecuteAsync(db, Insert(events, clock.GetUtcNow().UtcDateTime), ct);
        }
    }

    /// <summary>The INSERT of these events (one statement), for a caller writing them in its own batch.</summary>
    public static PgStatement Insert(IEnumerable<DomainEvent> events, DateTime at) => Pg.InsertRows(
        "INSERT INTO marketplace.domain_events (type, occurred_at, resource_type, resource_id, data, party_user_ids)",
        events, e => [Pg.P(e.Type), Pg.P(at), Pg.P(e.ResourceType), Pg.P(e.ResourceId),
            Pg.Jsonb(JsonSerializer.Serialize(e.Data, e.Data.GetType(), Json)), Pg.P(e.PartyUserIds.Distinct().ToArray())]);
}

using System.Text.Json;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.Events.Feed;

internal static class Data
{
    /// <summary>
    /// The commit-order rule: only rows written by transactions older than every transaction still
    /// running (tx_id below the snapshot's xmin) are answered. Sequences follow tx_id
    /// (migration 202611267000), so whatever commits later carries a larger number than all of these.
    /// </summary>
    public const string Visible = "tx_id < pg_snapshot_xmin(pg_current_snapshot())";

    private const string PageSql = $"""
        SELECT id, sequence, type, occurred_at, resource_type, resource_id, data::text
          FROM marketplace.domain_events
         WHERE sequence > $1 AND party_user_ids @> ARRAY[$2] AND ($3::text[] IS NULL OR type = ANY($3)) AND {Visible}
         ORDER BY sequence
         LIMIT $4
        """;

    public static Task<List<EventItem>> PageAsync(Db db, int userId, long after, string[]? types, int limit, CancellationToken ct) =>
        Pg.QueryAsync(db, PageSql, Read, ct, Pg.P(after), Pg.P(userId), Pg.P(types), Pg.P(limit));

    public static EventItem Read(Npgsql.NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetInt64(1), r.GetString(2), DateTime.SpecifyKind(r.GetDateTime(3), DateTimeKind.Utc),
        new EventResource(r.GetString(4), r.GetString(5)), JsonDocument.Parse(r.GetString(6)).RootElement.Clone());
}

using Npgsql;
using LinqToDB;
using LinqToDB.Data;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Browse;

/// <summary>
/// The position after the last item served: the sort's key and the id that breaks ties. Only the
/// key of the cursor's own sort is set.
/// </summary>
/// <remarks>A RUM rank distance is Infinity for a match without any ranked word (q=-puppy), hence the named literals.</remarks>
public sealed record BrowseCursor(string Sort, int Id, DateTime? PublishedAt = null, long? Price = null, int? Views = null,
    [property: System.Text.Json.Serialization.JsonNumberHandling(System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals)] float? Rank = null);

/// <summary>The SQL of one page and its parameters (public so the benchmark can EXPLAIN exactly what the API runs).</summary>
public sealed record BrowseSql(string Sql, IReadOnlyList<DataParameter> Parameters);

/// <summary>
/// GET /listings as one SQL statement: active listings of active providers with the provider's
/// summary joined (no query per item), the filters, and keyset pagination for every sort. Each
/// sort walks a partial index of "active, not deleted" listings (M202611240004,
/// M202611243000, M202611272200), so page 50 costs what page 1 costs and a page reads about as
/// many rows at 1M listings as at 200k; price sorts read the priced listings and those without a
/// price as two branches of one index, led by the category, state or city filter where there is one
/// (<see cref="PriceSortSql"/>, M202611273000). Relevance walks the RUM index
/// in rank order over every match where it exists (<see cref="RumRelevanceSql"/>, an operator's choice: Marketplace.Migrations.RumIndex),
/// else ranks the most recent matches (<see cref="RelevanceCandidates"/>); both page by (rank, id).
/// </summary>
public static class Data
{
    // the cursor's price in the no-price tail of a price sort (listings without a price come last both ways)
    private const long NoPriceAsc = long.MaxValue;
    private const long NoPriceDesc = -1;

    /// <summary>
    /// Without the RUM index relevance ranks the most recent matches only: ts_rank needs every candidate's document, so
    /// ranking all matches of a broad word ("puppy": a fifth of the catalogue) costs hundreds of
    /// milliseconds. Filters (city, category...) usually leave far fewer matches than this.
    /// </summary>
    public const int RelevanceCandidates = 500;

    private const string Columns = """
        l.id, l.slug, l.title, l.category, l.subcategory, l.price_cents, l.price_type, l.price_text, l.cover_image_url,
                   l.city, l.state, l.zip, l.duration, l.meta_description, l.view_count, l.published_at,
                   p.id AS provider_id, p.business_name, p.average_rating, p.total_reviews, p.verified_provider
        """;

    /// <summary>
    /// Without the RUM index: the newest <see cref="RelevanceCandidates"/> matches come from the indexes (GIN or the
    /// published_at index, as the planner finds cheaper); only they are ranked, and the keyset
    /// (rank, id) pages through them.
    /// </summary>
    private static string RelevanceSql(List<string> where, bool hasCursor, int fetch) => $"""
        SELECT c.id, c.slug, c.title, c.category, c.subcategory, c.price_cents, c.price_type, c.price_text, c.cover_image_url,
               c.city, c.state, c.zip, c.duration, c.meta_description, c.view_count, c.published_at,
               c.provider_id, c.business_name, c.average_rating, c.total_reviews, c.verified_provider, c.rank
          FROM (SELECT m.*, ts_rank(m.search_vector, query) AS rank
                  FROM (SELECT {Columns}, l.search_vector
                          FROM marketplace.service_listings l
                          JOIN marketplace.providers p ON p.id = l.provider_id
                         CROSS JOIN websearch_to_tsquery('english', :q) AS query
                         WHERE {string.Join("\n                           AND ", where)}
                         ORDER BY l.published_at DESC, l.id DESC
                         LIMIT {RelevanceCandidates}) m
                 CROSS JOIN websearch_to_tsquery('english', :q) AS query) c
         {(hasCursor ? "WHERE (c.rank, c.id) < (:after_key, :after_id)" : "")}
         ORDER BY c.rank DESC, c.id DESC
         LIMIT {fetch}
        """;

    /// <summary>
    /// Relevance over every match: the RUM index returns the matches in order of
    /// <c>search_vector &lt;=&gt; query</c> (its rank distance, computed from the word positions the
    /// index keeps, so no listing is read to rank it) but can order by nothing else, so the id that
    /// breaks ties is sorted outside: the inner scan stops after the page and the rows tied with its
    /// last one (WITH TIES), the outer sort orders those by (distance, id). The cursor's rank is the
    /// distance (smaller is better).
    /// </summary>
    private static string RumRelevanceSql(string rumSchema, List<string> where, bool hasCursor, int fetch)
    {
        var distance = $"l.search_vector OPERATOR({rumSchema}.<=>) query";
        if (hasCursor)
        {
            where.Add($"({distance} > :after_key OR ({distance} = :after_key AND l.id < :after_id))");
        }
        return $"""
            SELECT c.* FROM (
                SELECT {Columns}, {distance} AS rank
                  FROM marketplace.service_listings l
                  JOIN marketplace.providers p ON p.id = l.provider_id
                 CROSS JOIN websearch_to_tsquery('english', :q) AS query
                 WHERE {string.Join("\n                   AND ", where)}
                 ORDER BY {distance}
                 FETCH FIRST {fetch} ROWS WITH TIES) c
             ORDER BY c.rank, c.id DESC
             LIMIT {fetch}
            """;
    }

    /// <summary>
    /// Price sorts as two branches of one price index: <c>ix_service_listings_live_price (price_cents, id)</c>,
    /// or with a category, state or city filter the index of that filter with the price and id after it
    /// (M202611273000): the priced listings in price order (so a price range is an index condition), and
    /// the listings without a price, which come last in both directions, by id: the NULL range of the same
    /// filter's index, or without such a filter the small <c>ix_service_listings_live_unpriced (id)</c>. Each branch stops after one page, so the outer sort orders at most two pages. A price range
    /// (no listing without a price is in it), or a cursor already in the no-price tail, leaves one branch.
    /// </summary>
    private static string PriceSortSql(Request r, bool ascending, BrowseCursor? after, List<string> where, bool search, int fetch)
    {
        var (direction, past) = ascending ? ("", ">") : (" DESC", "<");
        var hasRange = r.MinPriceCents is not null || r.MaxPriceCents is not null;
        var inTail = !hasRange && after?.Price == (ascending ? NoPriceAsc : NoPriceDesc);
        var branches = new List<string>();
        if (!inTail)
        {
            var priced = new List<string>(where) { "l.price_cents IS NOT NULL" };
            if (after is not null)
            {
                priced.Add($"(l.price_cents, l.id) {past} (:after_key, :after_id)");
            }
            branches.Add(Select(priced, $"l.price_cents{direction}, l.id{direction}", search, fetch));
        }
        if (!hasRange)
        {
            var unpriced = new List<string>(where) { "l.price_cents IS NULL" };
            if (inTail)
            {
                unpriced.Add($"l.id {past} :after_id");
            }
            // Under a category, state or city filter the tail is ordered by (price_cents, id) although every price in it
            // is NULL: that is the order of those filters' price indexes (M202611273000), whose NULL range is then read
            // in id order. Without one it is ordered by id alone, the order of ix_service_listings_live_unpriced: the
            // planner prices a walk of that small id-ordered index right, and a walk of the NULL range of
            // ix_service_listings_live_price (price order, uncorrelated with the table) too dear, so with a search
            // text it ANDed bitmaps and sorted every match without a price instead (q=agility training: 2.7 -> 51 ms).
            var filtered = r.Category is not null || r.State is not null || r.City is not null;
            branches.Add(Select(unpriced, filtered ? $"l.price_cents{direction}, l.id{direction}" : $"l.id{direction}", search, fetch));
        }
        return branches.Count == 1 ? branches[0] : $"""
            SELECT b.* FROM (
            ({branches[0]})
            UNION ALL
            ({branches[1]})) b
             ORDER BY b.price_cents IS NULL, b.price_cents{direction}, b.id{direction}
             LIMIT {fetch}
            """;
    }

    private static string Select(List<string> where, string order, bool search, int fetch) => $"""
        SELECT {Columns}, 0::real AS rank
          FROM marketplace.service_listings l
          JOIN marketplace.providers p ON p.id = l.provider_id{(search ? "\n  CROSS JOIN websearch_to_tsquery('english', :q) AS query" : "")}
         WHERE {string.Join("\n   AND ", where)}
         ORDER BY {order}
         LIMIT {fetch}
        """;

    /// <param name="nowUtc">The clock the availability filter measures notice and advance limits from (default: the system clock).</param>
    /// <param name="rumSchema">the RUM extension's schema when the RUM index exists (<see cref="RelevanceIndex"/>); null: relevance ranks the newest matches</param>
    public static BrowseSql BuildSql(Request r, BrowseCursor? after, int fetch, DateTime? nowUtc = null, string? rumSchema = null)
    {
        var sort = r.Sort ?? Sorts.Newest;
        var search = !string.IsNullOrWhiteSpace(r.Q);
        var where = new List<string> { "l.status = 'active'", "l.deleted_at IS NULL", "p.status = 'active'", "p.deleted_at IS NULL" };
        var parameters = new List<DataParameter>();

        void Filter(string clause, string name, object? value, DataType type)
        {
            if (value is null)
            {
                return;
            }
            where.Add(clause);
            parameters.Add(new DataParameter(name, value, type));
        }

        Filter("l.category = :category", "category", r.Category, DataType.NVarChar);
        Filter("l.subcategory = :subcategory", "subcategory", r.Subcategory, DataType.NVarChar);
        Filter("l.state = :state", "state", r.State, DataType.NVarChar);
        Filter("l.city = :city", "city", r.City, DataType.NVarChar);
        Filter("l.zip = :zip", "zip", r.Zip, DataType.NVarChar);
        Filter("l.price_type = :price_type", "price_type", r.PriceType, DataType.NVarChar);
        Filter("l.price_cents >= :min_price", "min_price", r.MinPriceCents, DataType.Int64);
        Filter("l.price_cents <= :max_price", "max_price", r.MaxPriceCents, DataType.Int64);
        Filter("l.provider_id = :provider_id", "provider_id", r.ProviderId, DataType.Int32);
        if (search)
        {
            where.Add("l.search_vector @@ query");
            parameters.Add(new DataParameter("q", r.Q!.Trim(), DataType.NVarChar));
        }
        if (r.AvailableFrom is { } availableFrom && r.AvailableTo is { } availableTo)
        {
            where.Add(AvailabilityFilter.Clause);
            parameters.AddRange(AvailabilityFilter.Parameters(availableFrom.ToUniversalTime(), availableTo.ToUniversalTime(), nowUtc ?? TimeProvider.System.GetUtcNow().UtcDateTime));
        }

        var (order, keyset) = sort switch
        {
            Sorts.PriceAsc or Sorts.PriceDesc or Sorts.Relevance => ("", ""), // ordered and paged in PriceSortSql and the relevance SQL
            Sorts.Popular => ("l.view_count DESC, l.id DESC", "(l.view_count, l.id) < (:after_key, :after_id)"),
            _ => ("l.published_at DESC, l.id DESC", "(l.published_at, l.id) < (:after_key, :after_id)"),
        };
        if (after is not null)
        {
            if (keyset.Length > 0)
            {
                where.Add(keyset);
            }
            parameters.Add(sort switch
            {
                Sorts.PriceAsc or Sorts.PriceDesc => new DataParameter("after_key", after.Price, DataType.Int64),
                Sorts.Popular => new DataParameter("after_key", after.Views, DataType.Int32),
                Sorts.Relevance => new DataParameter("after_key", after.Rank, DataType.Single),
                _ => new DataParameter("after_key", after.PublishedAt, DataType.DateTimeOffset),
            });
            parameters.Add(new DataParameter("after_id", after.Id, DataType.Int32));
        }
        // the page size is a validated int written as a literal: with LIMIT $n PostgreSQL plans every execution afresh (no generic plan)
        var sql = sort switch
        {
            Sorts.Relevance when rumSchema is not null => RumRelevanceSql(rumSchema, where, after is not null, fetch),
            Sorts.Relevance => RelevanceSql(where, after is not null, fetch),
            Sorts.PriceAsc => PriceSortSql(r, ascending: true, after, where, search, fetch),
            Sorts.PriceDesc => PriceSortSql(r, ascending: false, after, where, search, fetch),
            _ => Select(where, order, search, fetch),
        };
        return new BrowseSql(sql, parameters);
    }

    /// <summary>Straight through Npgsql with the reader below (linq2db's execution costs ~50 us more per page).</summary>
    public static Task<List<Row>> QueryAsync(Npgsql.NpgsqlConnection connection, BrowseSql sql, CancellationToken ct) =>
        Pg.QueryAsync(connection, sql.Sql, Read, ct, [.. sql.Parameters.Select(Pg.From)]);

    /// <summary>The cursor after this row for this sort.</summary>
    public static BrowseCursor CursorAfter(string sort, Row row) => sort switch
    {
        Sorts.PriceAsc => new BrowseCursor(sort, row.Item.Id, Price: row.Item.PriceCents ?? NoPriceAsc),
        Sorts.PriceDesc => new BrowseCursor(sort, row.Item.Id, Price: row.Item.PriceCents ?? NoPriceDesc),
        Sorts.Popular => new BrowseCursor(sort, row.Item.Id, Views: row.Item.ViewCount),
        Sorts.Relevance => new BrowseCursor(sort, row.Item.Id, Rank: row.Rank),
        _ => new BrowseCursor(sort, row.Item.Id, PublishedAt: row.Item.PublishedAt),
    };

    /// <summary>
    /// The list a cursor belongs to: every filter and the sort, so a cursor only continues the search
    /// that made it; for relevance also the ranking (a RUM distance and a ts_rank are different keys).
    /// </summary>
    public static CursorScope ScopeOf(Request r, bool rum = false) => new("listings.browse", new
    {
        r.Category, r.Subcategory, r.State, r.City, r.Zip, r.MinPriceCents, r.MaxPriceCents, r.PriceType, r.ProviderId, r.Q,
        Sort = (r.Sort ?? Sorts.Newest) + (rum && r.Sort == Sorts.Relevance ? "+rum" : ""),
        AvailableFrom = r.AvailableFrom?.ToUniversalTime(), AvailableTo = r.AvailableTo?.ToUniversalTime(),
    });

    public sealed record Row(Item Item, float Rank);

    private static Row Read(NpgsqlDataReader r) => new(
        new Item(
            r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetString(3), NullableString(r, 4),
            r.IsDBNull(5) ? null : r.GetInt64(5), NullableString(r, 6), NullableString(r, 7), NullableString(r, 8),
            NullableString(r, 9), NullableString(r, 10), NullableString(r, 11), NullableString(r, 12), NullableString(r, 13),
            r.GetInt32(14), DateTime.SpecifyKind(r.GetDateTime(15), DateTimeKind.Utc),
            new ProviderSummary(r.GetInt32(16), r.GetString(17), r.GetDecimal(18), r.GetInt32(19), r.GetBoolean(20))),
        r.GetFloat(21));

    private static string? NullableString(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

}

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
/// <remarks>
/// A RUM rank distance is Infinity for a match without any ranked word (q=-puppy), hence the named literals. Relevance
/// without the RUM index pages by (<see cref="Data.Tier"/>, published_at, id): <c>Tier</c> and <c>PublishedAt</c>.
/// </remarks>
public sealed record BrowseCursor(string Sort, int Id, DateTime? PublishedAt = null, long? Price = null, int? Views = null,
    [property: System.Text.Json.Serialization.JsonNumberHandling(System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals)] float? Rank = null,
    int? Tier = null);

/// <summary>
/// The SQL of one page and its parameters (public so the benchmark can EXPLAIN exactly what the API runs). A page may
/// take more than one statement (relevance without the RUM index reads its tiers one after the other): while the page
/// has fewer than <paramref name="Fetch"/> rows, <paramref name="Then"/> adds the rows after this statement's. A statement
/// with a <paramref name="Fallback"/> is a window (Data.Windowed): the fallback replaces its rows when they are fewer than
/// the page still needs and the window was full.
/// </summary>
public sealed record BrowseSql(string Sql, IReadOnlyList<DataParameter> Parameters, int Fetch, BrowseSql? Fallback = null, BrowseSql? Then = null);

/// <summary>
/// GET /listings as one SQL statement, or with a search text as a few bounded ones (<see cref="Windowed"/>): active
/// listings of active providers with the provider's summary joined (no query per item), the filters, and keyset
/// pagination for every sort. Each
/// sort walks a partial index of "active, not deleted" listings (M202611240004,
/// M202611243000, M202611272200), so page 50 costs what page 1 costs and a page reads about as
/// many rows at 1M listings as at 200k; price sorts read the priced listings and those without a
/// price as two branches of one index, led by the category, state or city filter where there is one
/// (<see cref="PriceSortSql"/>, M202611273000). Relevance ranks every match by where the search text
/// matches (title, keywords, description), newest first in each tier, one tier after the other (<see cref="TieredRelevance"/>,
/// M202611273200); or, where an operator created the RUM index (Marketplace.Migrations.RumIndex), walks it in rank
/// order (<see cref="RumRelevanceSql"/>).
/// </summary>
public static class Data
{
    // the cursor's price in the no-price tail of a price sort (listings without a price come last both ways)
    private const long NoPriceAsc = long.MaxValue;
    private const long NoPriceDesc = -1;

    // the columns every statement returns, in the order Read reads them (rank last)
    private static readonly string[] ListingFields =
        ["id", "slug", "title", "category", "subcategory", "price_cents", "price_type", "price_text", "cover_image_url",
         "city", "state", "zip", "duration", "meta_description", "view_count", "published_at"];

    private static readonly string[] ProviderFields = ["business_name", "average_rating", "total_reviews", "verified_provider"];

    private static string Of(string table, string[] fields) => string.Join(", ", fields.Select(f => $"{table}.{f}"));

    private static readonly string Columns = $"{Of("l", ListingFields)}, p.id AS provider_id, {Of("p", ProviderFields)}";

    /// <summary>
    /// The relevance tiers, strongest first: the title alone matches the search text, else title and keywords
    /// together, else it takes the description (search_vector weighs them A, B and C).
    /// </summary>
    public static class Tier
    {
        public const int Title = 3;
        public const int Keywords = 2;
        public const int Description = 1;
    }

    /// <summary>How many of the first listings of its filters (after the cursor, in the sort's order) a search looks through before it reads its matches from their GIN index instead.</summary>
    public const int SearchWindow = 1500;

    /// <summary>
    /// Relevance without the RUM index: every match, ranked by tier (<see cref="Tier"/>), newest first within a tier, and
    /// paged by (tier, published_at, id). Each tier is read only while the page is not full (<see cref="Windowed"/>),
    /// so a page of a common word reads one short index range.
    /// </summary>
    private static BrowseSql TieredRelevance(Request r, BrowseCursor? after, List<string> where, List<DataParameter> parameters, int fetch)
    {
        var negates = r.Q!.Contains('-', StringComparison.Ordinal);
        var start = after is null ? Tier.Title
            : after.Tier is >= Tier.Description and <= Tier.Title && after.PublishedAt is not null ? after.Tier.Value
            : throw new ArgumentException("A relevance cursor without the RUM index carries its tier and publication time.", nameof(after));
        BrowseSql? next = null;
        for (var tier = Tier.Description; tier <= start; tier++)
        {
            // the listing's filters, and the cursor's position in its own tier; each tier adds its condition (the lower
            // tiers start from their first listing and leave the cursor's parameters unused, as a price sort's tail does)
            var own = new List<string>(where);
            if (tier == start && after is not null)
            {
                own.Add("(l.published_at, l.id) < (:after_key, :after_id)");
            }
            next = Windowed(TierCondition(tier, negates), Newest, $"{tier}::real", own, parameters, fetch, next);
        }
        return next!;
    }

    /// <summary>
    /// The condition of a tier on the listing aliased <c>table</c>. Title and keywords matches need the whole text
    /// matched only when it negates a word (a title without "cat" says nothing of the description).
    /// </summary>
    private static Func<string, string, string> TierCondition(int tier, bool negates) => tier switch
    {
        Tier.Title => (t, q) => (negates ? $"{t}.search_vector @@ {q} AND " : "") + $"ts_filter({t}.search_vector, '{{a}}') @@ {q}",
        Tier.Keywords => (t, q) => (negates ? $"{t}.search_vector @@ {q} AND " : "")
            + $"ts_filter({t}.search_vector, '{{a,b}}') @@ {q} AND NOT ts_filter({t}.search_vector, '{{a}}') @@ {q}",
        _ => (t, q) => $"{t}.search_vector @@ {q} AND NOT ts_filter({t}.search_vector, '{{a,b}}') @@ {q}",
    };

    /// <summary>
    /// The search text's query in a window (<see cref="Windowed"/>): a scalar subquery, which PostgreSQL computes once per
    /// execution (an InitPlan), not a joined row. Joined, the generic plan PostgreSQL keeps for a prepared statement after
    /// five executions put the one-row join first, lost the window's order and sorted the whole window: 7.7 ms instead of
    /// 1.4 ms for "puppy", a fifth of the API's throughput.
    /// </summary>
    private const string Query = "(SELECT websearch_to_tsquery('english', :q))";

    private static string Newest(string table) => $"{table}.published_at DESC, {table}.id DESC";

    /// <summary>
    /// The listings that match a condition on the search text (a relevance tier, or the text itself under another
    /// sort), in the order of an index of the filters, read in two bounded steps, neither of which depends on the
    /// planner guessing how many listings match:
    /// <list type="number">
    /// <item>the <see cref="SearchWindow"/> first listings of the filters in that order (after the cursor) are looked
    /// through; a condition that holds for more than about 1.4 % of them fills its page here, and a common word stops
    /// after a few dozen rows;</item>
    /// <item>only when the window was full and holds fewer matches than the page needs are all the matches read, from
    /// the GIN index of search_vector or of <c>ts_filter(search_vector, '{a}')</c> and <c>'{a,b}'</c> (M202611273200),
    /// then filtered and sorted (a window that was not full held every listing of the filters: its matches are all
    /// there are).</item>
    /// </list>
    /// So a page costs at most the window plus, for a sparse condition, a sort of its matches, at 1M listings as at 200k.
    /// The window's plan is the same for every word (the text is an InitPlan, <see cref="Query"/>), so a prepared
    /// statement's generic plan is the right one. The planner alone was measured to go wrong both ways: it multiplies
    /// the frequencies of several words (senior + wellness: 430 estimated, 3,834 found, all sorted: 24-50 ms at 200k)
    /// and has no frequency for a word it has not sampled (a rare word: the whole newest-first index walked, 57,000 rows
    /// for one match); the description tier, "matches but not in title and keywords", it takes as independent (airport:
    /// estimated dense, found empty, 420 ms).
    /// </summary>
    private static BrowseSql Windowed(Func<string, string, string> condition, Func<string, string> order, string rank, List<string> where,
        IReadOnlyList<DataParameter> parameters, int fetch, BrowseSql? next)
    {
        // The window counts listings, not listings of active providers: the provider of each match is looked up after it,
        // which halves the window's cost (one heap page per listing instead of that and a provider lookup). The lookup is
        // a LATERAL subquery with LIMIT 1 so that it stays a nested loop over the window in its order: as a join, the
        // planner hashed the providers and sorted the whole window. The window's last listing always comes out (the
        // row_number streams in the index's order), as a match or as a marker that the window was full: only then can
        // matches lie beyond it; a window that ended before holds every listing of the filters. The WHERE is "a match of
        // an active provider, or the last listing" written as two conditions, so that the first, on the listing alone,
        // is checked before the provider is looked up (one lookup per match, not per listing of the window).
        // The window itself carries only the keys of the sorts and whether the listing matches, not the listing's fields
        // and its search_vector: each of its rows is copied through the row_number, and a listing that does not match
        // needs nothing more. The page's listings are read again by primary key, the same way as their providers. Under
        // a price sort, five words that walk 100 to 800 listings for their page took 15-17 % less of the database's CPU
        // at 200k and at 1M listings; a common word, whose page lies in the first 100, the same.
        var providers = where.Where(w => w.StartsWith("p.", StringComparison.Ordinal)).ToList();
        var listings = where.Except(providers).ToList();
        var window = $"""
            SELECT {Of("x", ListingFields)}, p.id AS provider_id, {Of("p", ProviderFields)}, {rank} AS rank,
                   c.n = {SearchWindow} AS window_full, p.id IS NOT NULL AND c.matched AS matched
              FROM (SELECT l.id, l.provider_id, l.published_at, l.view_count, l.price_cents, {condition("l", Query)} AS matched,
                           row_number() OVER (ORDER BY {order("l")}) AS n
                      FROM marketplace.service_listings l
                     WHERE {string.Join("\n                       AND ", listings)}
                     ORDER BY {order("l")}
                     LIMIT {SearchWindow}) c
              LEFT JOIN LATERAL (SELECT p.id, {Of("p", ProviderFields)}
                                   FROM marketplace.providers p
                                  WHERE {string.Join(" AND ", ["p.id = c.provider_id", .. providers])}
                                  LIMIT 1) p ON true
             CROSS JOIN LATERAL (SELECT {Of("x", ListingFields)}
                                   FROM marketplace.service_listings x
                                  WHERE x.id = c.id
                                  LIMIT 1) x
             WHERE (c.matched OR c.n = {SearchWindow}) AND (p.id IS NOT NULL OR c.n = {SearchWindow})
             ORDER BY {order("c")}
             LIMIT {fetch}
            """;
        // Every match of the condition, from its GIN index alone (the OFFSET 0 keeps the filters out of that subquery),
        // then each match's listing and provider by primary key with the filters, then the sort. Left to choose,
        // PostgreSQL's generic plan for a prepared statement (it knows no word) walked the filters' index instead (every
        // listing without a price, for a word no listing has), and with many matches it scanned the whole table to join
        // them; the LATERAL ... LIMIT 1 keeps that join a lookup per match.
        var sorted = $"""
            SELECT x.*
              FROM (SELECT m.id
                      FROM marketplace.service_listings m
                     CROSS JOIN websearch_to_tsquery('english', :q) AS query
                     WHERE {condition("m", "query")}
                    OFFSET 0) matches
             CROSS JOIN LATERAL (SELECT {Columns}, {rank} AS rank
                                   FROM marketplace.service_listings l
                                   JOIN marketplace.providers p ON p.id = l.provider_id
                                  WHERE {string.Join("\n                                    AND ", ["l.id = matches.id", .. where])}
                                  LIMIT 1) x
             ORDER BY {order("x")}
             LIMIT {fetch}
            """;
        return new BrowseSql(window, parameters, fetch, Fallback: new BrowseSql(sorted, parameters, fetch), Then: next);
    }

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
    private static string PriceSortSql(Request r, bool ascending, BrowseCursor? after, List<string> where, int fetch)
    {
        var branches = PriceBranches(r, ascending, after, where);
        var direction = ascending ? "" : " DESC";
        var selects = branches.Select(b => Select(b.Where, b.Order("l"), fetch)).ToList();
        return selects.Count == 1 ? selects[0] : $"""
            SELECT b.* FROM (
            ({selects[0]})
            UNION ALL
            ({selects[1]})) b
             ORDER BY b.price_cents IS NULL, b.price_cents{direction}, b.id{direction}
             LIMIT {fetch}
            """;
    }

    /// <summary>The branches of a price sort, in the order their rows come: the priced listings, then those without a price.</summary>
    private static List<(List<string> Where, Func<string, string> Order)> PriceBranches(Request r, bool ascending, BrowseCursor? after, List<string> where)
    {
        var (direction, past) = ascending ? ("", ">") : (" DESC", "<");
        var hasRange = r.MinPriceCents is not null || r.MaxPriceCents is not null;
        var inTail = !hasRange && after?.Price == (ascending ? NoPriceAsc : NoPriceDesc);
        var branches = new List<(List<string>, Func<string, string>)>();
        if (!inTail)
        {
            var priced = new List<string>(where) { "l.price_cents IS NOT NULL" };
            if (after is not null)
            {
                priced.Add($"(l.price_cents, l.id) {past} (:after_key, :after_id)");
            }
            branches.Add((priced, t => $"{t}.price_cents{direction}, {t}.id{direction}"));
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
            branches.Add((unpriced, filtered ? t => $"{t}.price_cents{direction}, {t}.id{direction}" : t => $"{t}.id{direction}"));
        }
        return branches;
    }

    /// <summary>
    /// A search text with the newest, popular or a price sort: each branch of the sort's order (<see cref="PriceBranches"/>)
    /// is a <see cref="Windowed"/> read of the listings that match, so no plan depends on how common the words are.
    /// Planned for the word, as before, the statements were right; but the API prepares them (Max Auto Prepare), and after
    /// five executions PostgreSQL may keep one generic plan for every text, a walk of the sort's index: measured through
    /// the API at 200k listings, "puppy", "airport" and a word no listing has in rotation ran at 20 requests/s, p50
    /// 590 ms, p99 1.2-1.6 s, each rare word walking the whole index.
    /// </summary>
    private static BrowseSql SearchSql(Request r, string sort, BrowseCursor? after, List<string> where, List<DataParameter> parameters, int fetch)
    {
        List<(List<string> Where, Func<string, string> Order)> branches = sort switch
        {
            Sorts.PriceAsc => PriceBranches(r, ascending: true, after, where),
            Sorts.PriceDesc => PriceBranches(r, ascending: false, after, where),
            Sorts.Popular => [(where, t => $"{t}.view_count DESC, {t}.id DESC")],
            _ => [(where, t => $"{t}.published_at DESC, {t}.id DESC")],
        };
        BrowseSql? next = null;
        for (var i = branches.Count - 1; i >= 0; i--)
        {
            next = Windowed((t, q) => $"{t}.search_vector @@ {q}", branches[i].Order, "0::real", branches[i].Where, parameters, fetch, next);
        }
        return next!;
    }

    private static string Select(List<string> where, string order, int fetch) => $"""
        SELECT {Columns}, 0::real AS rank
          FROM marketplace.service_listings l
          JOIN marketplace.providers p ON p.id = l.provider_id
         WHERE {string.Join("\n   AND ", where)}
         ORDER BY {order}
         LIMIT {fetch}
        """;

    /// <param name="nowUtc">The clock the availability filter measures notice and advance limits from (default: the system clock).</param>
    /// <param name="rumSchema">the RUM extension's schema when the RUM index exists (<see cref="RelevanceIndex"/>); null: relevance ranks by tier</param>
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
                Sorts.Relevance when rumSchema is not null => new DataParameter("after_key", after.Rank, DataType.Single),
                Sorts.Relevance => new DataParameter("after_key", after.PublishedAt, DataType.DateTimeOffset),
                _ => new DataParameter("after_key", after.PublishedAt, DataType.DateTimeOffset),
            });
            parameters.Add(new DataParameter("after_id", after.Id, DataType.Int32));
        }
        // the page size is a validated int written as a literal: with LIMIT $n PostgreSQL plans every execution afresh (no generic plan)
        if (sort == Sorts.Relevance && rumSchema is null)
        {
            return TieredRelevance(r, after, where, parameters, fetch);
        }
        if (search && sort != Sorts.Relevance)
        {
            return SearchSql(r, sort, after, where, parameters, fetch);
        }
        var sql = sort switch
        {
            Sorts.Relevance => RumRelevanceSql(rumSchema!, [.. where, "l.search_vector @@ query"], after is not null, fetch),
            Sorts.PriceAsc => PriceSortSql(r, ascending: true, after, where, fetch),
            Sorts.PriceDesc => PriceSortSql(r, ascending: false, after, where, fetch),
            _ => Select(where, order, fetch),
        };
        return new BrowseSql(sql, parameters, fetch);
    }

    /// <summary>
    /// Straight through Npgsql with the reader below (linq2db's execution costs ~50 us more per page): the statement,
    /// its fallback when it falls short, and the statements after it while the page is not full.
    /// </summary>
    /// <param name="ran">told of each statement run, in order (the benchmark EXPLAINs them)</param>
    public static async Task<List<Row>> QueryAsync(NpgsqlConnection connection, BrowseSql sql, CancellationToken ct, Action<BrowseSql>? ran = null)
    {
        var rows = new List<Row>();
        for (var step = sql; step is not null && rows.Count < sql.Fetch; step = step.Then)
        {
            var needed = sql.Fetch - rows.Count;
            ran?.Invoke(step);
            if (step.Fallback is not { } whole)
            {
                rows.AddRange((await Pg.QueryAsync(connection, step.Sql, Read, ct, [.. step.Parameters.Select(Pg.From)])).Take(needed));
                continue;
            }
            // a window (Windowed): its matches, and whether it was full
            var window = await Pg.QueryAsync(connection, step.Sql, ReadWindow, ct, [.. step.Parameters.Select(Pg.From)]);
            var found = window.Where(w => w.Row is not null).Select(w => w.Row!).ToList();
            if (found.Count < needed && window.Any(w => w.Full))
            {
                ran?.Invoke(whole);
                found = await Pg.QueryAsync(connection, whole.Sql, Read, ct, [.. whole.Parameters.Select(Pg.From)]);
            }
            rows.AddRange(found.Take(needed));
        }
        return rows;
    }

    /// <summary>A row of a window: the match (null for the marker of a full window) and whether the window was full.</summary>
    private static (Row? Row, bool Full) ReadWindow(NpgsqlDataReader r) => (r.GetBoolean(23) ? Read(r) : null, r.GetBoolean(22));

    /// <summary>The cursor after this row for this sort (and for relevance, this ranking).</summary>
    public static BrowseCursor CursorAfter(string sort, Row row, bool rum = false) => sort switch
    {
        Sorts.PriceAsc => new BrowseCursor(sort, row.Item.Id, Price: row.Item.PriceCents ?? NoPriceAsc),
        Sorts.PriceDesc => new BrowseCursor(sort, row.Item.Id, Price: row.Item.PriceCents ?? NoPriceDesc),
        Sorts.Popular => new BrowseCursor(sort, row.Item.Id, Views: row.Item.ViewCount),
        Sorts.Relevance when rum => new BrowseCursor(sort, row.Item.Id, Rank: row.Rank),
        Sorts.Relevance => new BrowseCursor(sort, row.Item.Id, PublishedAt: row.Item.PublishedAt, Tier: (int)row.Rank),
        _ => new BrowseCursor(sort, row.Item.Id, PublishedAt: row.Item.PublishedAt),
    };

    /// <summary>
    /// The list a cursor belongs to: every filter and the sort, so a cursor only continues the search
    /// that made it; for relevance also the ranking (a RUM distance and a ts_rank are different keys).
    /// </summary>
    public static CursorScope ScopeOf(Request r, bool rum = false) => new("listings.browse", new
    {
        r.Category, r.Subcategory, r.State, r.City, r.Zip, r.MinPriceCents, r.MaxPriceCents, r.PriceType, r.ProviderId, r.Q,
        Sort = (r.Sort ?? Sorts.Newest) + (r.Sort != Sorts.Relevance ? "" : rum ? "+rum" : "+tiers"),
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

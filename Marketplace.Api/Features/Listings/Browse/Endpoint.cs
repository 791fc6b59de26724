using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Browse;

/// <summary>
/// The route and its description; served by <see cref="ServeAsync"/> as a <see cref="DirectRead"/>
/// (the hottest public read), so FastEndpoints never runs a handler of this class.
/// </summary>
public sealed class Endpoint : Endpoint<Request, CursorPage<Item>>
{
    private static readonly Validator Rules = new();

    public override void Configure()
    {
        Get("listings");
        Options(b => b.WithMetadata(ConditionalGet.Instance, new DirectRead(ServeAsync)));
        AllowAnonymous();
        DontAutoSendResponse();
        Description(d => d.ProducesProblemDetails(400));
        Summary(s =>
        {
            s.Summary = "Browse listings";
            s.Description = "Active listings of active providers, each with its provider's summary. Filters: category, subcategory, "
                + "state, city, zip (exact), minPriceCents/maxPriceCents, priceType, providerId, q (full-text over title, keywords "
                + "and description). Sorts: newest (default), price_asc, price_desc (listings without a price last), popular "
                + "(most viewed: viewCount, published every few minutes), relevance (needs q: titles that match first, then title and keywords together, then the description; newest first within each). Keyset pagination: ?limit= (1-100, default 20) and the nextCursor of the "
                + "previous page; a cursor is only valid with the filters and sort it was made for (400 invalid_cursor). "
                + "availableFrom/availableTo (together, ISO-8601 instants): only listings with at least one slot that can be booked now "
                + "starting in the range (plan, exceptions, buffers, notice, advance limit and booked seats); listings without an "
                + "availability plan are booked without a time and always pass. 400 availability_range_too_long beyond 14 days, "
                + "availability_range_too_far when availableTo is more than 60 days from now.";
        });
    }

    /// <summary>Required by FastEndpoints, which never reaches it: DirectReads serves the route first.</summary>
    public override Task HandleAsync(Request r, CancellationToken ct) => ServeAsync(HttpContext);

    private static async Task ServeAsync(HttpContext http)
    {
        if (await DirectReads.BindAsync(http, Rules, ListingsJson.Default) is not { } r)
        {
            return;
        }
        var ct = http.RequestAborted;
        var services = http.RequestServices;
        var (reads, cursors, clock, relevance) = (services.GetRequiredService<ReadDb>(), services.GetRequiredService<Cursors>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<RelevanceIndex>());
        var sort = r.Sort ?? Sorts.Newest;
        var now = clock.GetUtcNow().UtcDateTime;
        if (r.AvailableFrom is { } from && r.AvailableTo is { } to)
        {
            if (to.ToUniversalTime() - from.ToUniversalTime() > TimeSpan.FromDays(AvailabilityFilter.MaxRangeDays))
            {
                throw ApiProblem.BadRequest("availability_range_too_long", $"availableFrom to availableTo spans at most {AvailabilityFilter.MaxRangeDays} days.");
            }
            if (to.ToUniversalTime() > now.AddDays(Availability.FreeDays.HorizonDays))
            {
                throw ApiProblem.BadRequest("availability_range_too_far", $"availableTo is at most {Availability.FreeDays.HorizonDays} days from now.");
            }
        }
        var rumSchema = sort == Sorts.Relevance ? await relevance.RumSchemaAsync(reads, ct) : null;
        var scope = Data.ScopeOf(r, rum: rumSchema is not null);
        var after = cursors.Decode<BrowseCursor>(r.Cursor, scope);
        var limit = r.Limit ?? Paging.DefaultLimit;
        var sql = Data.BuildSql(r, after, limit + 1, now, rumSchema);
        var rows = await reads.ReadAsync(connection => Data.QueryAsync(connection, sql, ct), ct);
        var page = cursors.Page(rows, limit, row => Data.CursorAfter(sort, row, rum: rumSchema is not null), scope);
        await Infrastructure.Api.WriteOkAsync(http, new CursorPage<Item>([.. page.Items.Select(row => row.Item)], page.NextCursor), ListingsJson.Default.CursorPageItem);
    }
}

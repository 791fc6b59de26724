using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Browse;

public sealed class Endpoint(Db db, Cursors cursors) : Endpoint<Request, CursorPage<Item>>
{
    public override void Configure()
    {
        Get("listings");
        AllowAnonymous();
        SerializerContext(ListingsJson.Default);
        Description(d => d.ProducesProblemDetails(400));
        Summary(s =>
        {
            s.Summary = "Browse listings";
            s.Description = "Active listings of active providers, each with its provider's summary. Filters: category, subcategory, "
                + "state, city, zip (exact), minPriceCents/maxPriceCents, priceType, providerId, q (full-text over title, keywords "
                + "and description). Sorts: newest (default), price_asc, price_desc (listings without a price last), popular "
                + "(most viewed), relevance (needs q). Keyset pagination: ?limit= (1-100, default 20) and the nextCursor of the "
                + "previous page; a cursor is only valid with the filters and sort it was made for (400 invalid_cursor).";
        });
    }

    public override async Task HandleAsync(Request r, CancellationToken ct)
    {
        var sort = r.Sort ?? Sorts.Newest;
        var scope = Data.ScopeOf(r);
        var after = cursors.Decode<BrowseCursor>(r.Cursor, scope);
        var limit = r.Limit ?? Paging.DefaultLimit;
        var rows = await Data.QueryAsync(db, Data.BuildSql(r, after, limit + 1), ct);
        var page = cursors.Page(rows, limit, row => Data.CursorAfter(sort, row), scope);
        await Send.OkAsync(new CursorPage<Item>([.. page.Items.Select(row => row.Item)], page.NextCursor), ct);
    }
}

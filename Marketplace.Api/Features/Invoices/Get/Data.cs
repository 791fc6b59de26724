using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Invoices.Get;

internal static class Data
{
    /// <summary>The client's first look: sent -> viewed, once (0 rows when viewed before or no longer sent).</summary>
    public static Task<int> MarkViewedAsync(Db db, int id, DateTime now, CancellationToken ct) =>
        db.Invoices
            .Where(i => i.Id == id && i.Status == "sent" && i.ViewedAt == null)
            .Set(i => i.Status, "viewed")
            .Set(i => i.ViewedAt, now)
            .UpdateAsync(ct);
}

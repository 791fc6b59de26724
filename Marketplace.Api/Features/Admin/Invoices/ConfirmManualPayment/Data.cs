using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Admin.Invoices.ConfirmManualPayment;

internal sealed record Invoice(int Id, string Status, string PaymentMethod, int? ConfirmedBy, int ClientId, int ProviderUserId);

internal static class Data
{
    public static Task<Invoice?> InvoiceAsync(Db db, int id, CancellationToken ct) =>
        (from i in db.Invoices
         join p in db.Providers on i.ProviderId equals p.Id
         where i.Id == id
         select new Invoice(i.Id, i.Status, i.PaymentMethod, i.ManualPaymentConfirmedBy, i.ClientId, p.UserId))
        .FirstOrDefaultAsync(ct);

    /// <summary>A manual or offline invoice the provider recorded as paid, not confirmed yet: one conditional update.</summary>
    public static Task<int> ConfirmAsync(Db db, int id, int adminId, DateTime now, CancellationToken ct) =>
        db.Invoices.Where(i => i.Id == id && i.Status == "paid" && i.PaymentMethod != "stripe" && i.ManualPaymentConfirmedBy == null)
            .Set(i => i.ManualPaymentConfirmedBy, adminId)
            .Set(i => i.UpdatedAt, now)
            .UpdateAsync(ct);
}

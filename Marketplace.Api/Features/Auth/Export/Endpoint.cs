using FastEndpoints;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth.Export;

public sealed class Endpoint(Db db, TimeProvider clock) : EndpointWithoutRequest<AccountExport>
{
    public override void Configure()
    {
        Get("auth/me/export");
        Description(d => d.ProducesProblemDetails(401));
        Summary(s =>
        {
            s.Summary = "Export my data";
            s.Description = "One JSON document with everything held about the caller: profile, provider profile, listings, bookings as client "
                + "and as provider, invoices, message threads and their messages, reviews written and received, saved listings, sessions "
                + "and API keys (names, scopes, prefixes). No password hash, token, token hash or key hash is included.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var data = await Data.LoadAsync(db, HttpContext.CurrentUser().Id, ct);
        HttpContext.Response.Headers.CacheControl = "no-store";
        await Send.OkAsync(new AccountExport(clock.GetUtcNow().UtcDateTime, data), ct);
    }
}

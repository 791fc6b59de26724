using System.Security.Cryptography;
using FastEndpoints;
using LinqToDB;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Providers.CalendarToken;

public sealed class Endpoint(Db db, TimeProvider clock, IHttpContextAccessor accessor) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Post("providers/me/calendar-token");
        Policies(Infrastructure.Policies.Provider);
        Description(d => d.ClearDefaultProduces(200).Produces<Response>(201).ProducesProblemDetails(401).ProducesProblemDetails(403));
        Summary(s =>
        {
            s.Summary = "Create or rotate the calendar feed token";
            s.Description = "Makes a new secret for GET /providers/me/calendar.ics?token=... and answers it once; only its SHA-256 is "
                + "stored. The previous token stops working at once (404).";
            s.Responses[201] = "The token and the feed URL.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var caller = HttpContext.CurrentUser();
        var token = Base64UrlToken();
        await db.Providers.Where(p => p.Id == caller.ProviderId!.Value).Set(p => p.CalendarTokenHash, CalendarTokens.Hash(token)).UpdateAsync(ct);
        await Audit.WriteAsync(db, clock, new AuditEntry("provider", caller.ProviderId!.Value, "calendar_token_rotated", null, null, caller.Id, "provider"), ct);
        var request = accessor.HttpContext!.Request;
        await Send.ResponseAsync(new Response
        {
            Token = token,
            Url = $"{request.Scheme}://{request.Host}/{Infrastructure.Api.RoutePrefix}/providers/me/calendar.ics?token={token}",
        }, StatusCodes.Status201Created, ct);
    }

    private static string Base64UrlToken() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>How a calendar token is stored and found: by its SHA-256 (a high-entropy secret needs no slow hash).</summary>
public static class CalendarTokens
{
    public static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));
}

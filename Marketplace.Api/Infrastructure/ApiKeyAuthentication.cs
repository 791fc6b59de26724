using System.Security.Claims;
using System.Text.Encodings.Web;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// <c>Authorization: Bearer mk_...</c>: an API key acting as its user. Like a session, every
/// request looks the key up (by its SHA-256, one indexed read joined with the user), so a revoked
/// key, or the key of a suspended or deleted user, is refused on the very next request.
/// </summary>
internal sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, Db db, TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Prefix = "mk_";

    /// <summary>lastUsedAt moves at most this often, so most requests only read.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>Whether the request carries an API key rather than a JWT.</summary>
    public static bool Carries(HttpContext http) => KeyOf(http) is not null;

    private static string? KeyOf(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer " + Prefix, StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (KeyOf(Context) is not { Length: <= 200 } key)
        {
            return AuthenticateResult.Fail("malformed API key");
        }
        try
        {
            return await AuthenticateAsync(key);
        }
        finally
        {
            // back to the pool at once, as after a session's check (Auth.CheckSessionAsync)
            await db.CloseAsync();
        }
    }

    private async Task<AuthenticateResult> AuthenticateAsync(string key)
    {
        var hash = Secrets.Hash(key);
        var found = await (
            from k in db.GetTable<ApiKeyRow>()
            join u in db.Users on k.UserId equals u.Id
            from p in db.Providers.Where(p => p.UserId == u.Id && p.DeletedAt == null).DefaultIfEmpty()
            where k.KeyHash == hash && k.RevokedAt == null && u.DeletedAt == null && u.Status == "active"
            select new { k.Id, k.KeyHash, k.Scope, k.LastUsedAt, User = new CurrentUser(u.Id, Guid.Empty, u.Email, u.EmailVerified, (int?)p.Id, p.Status, u.IsAdmin) })
            .FirstOrDefaultAsync(Context.RequestAborted);
        // the lookup is by hash; the comparison of what came back is constant-time all the same
        if (found is null || !Secrets.HashesEqual(found.KeyHash, hash))
        {
            return AuthenticateResult.Fail("unknown or revoked API key");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (found.LastUsedAt is null || found.LastUsedAt < now - LastUsedResolution)
        {
            var stale = now - LastUsedResolution;
            await db.GetTable<ApiKeyRow>().Where(k => k.Id == found.Id && (k.LastUsedAt == null || k.LastUsedAt < stale))
                .Set(k => k.LastUsedAt, now).UpdateAsync(Context.RequestAborted);
        }

        Context.Items[typeof(CurrentUser)] = found.User with { ApiKeyId = found.Id, ApiKeyScope = found.Scope };
        var identity = new ClaimsIdentity(
            [new Claim("sub", found.User.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), new Claim("api_key", found.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            SchemeName, "sub", null);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>A read key may only read: anything but GET, HEAD and OPTIONS is 403 insufficient_scope.</summary>
    public static Task EnforceScopeAsync(HttpContext http, RequestDelegate next) =>
        http.Items[typeof(CurrentUser)] is CurrentUser { ApiKeyScope: "read" }
            && !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method))
            ? Errors.WriteProblemAsync(http, StatusCodes.Status403Forbidden, "insufficient_scope", "Forbidden", "This API key may only read (GET); use a write key.")
            : next(http);
}

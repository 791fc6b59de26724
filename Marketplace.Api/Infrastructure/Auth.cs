using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Api.Features.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.IdentityModel.Tokens;

namespace Marketplace.Api.Infrastructure;

/// <summary>
/// Bearer authentication: a JWT names its session, and every request checks that session is still
/// live (one primary-key lookup), so logout and password reset stop access tokens at once.
/// </summary>
internal static class Auth
{
    public const string Issuer = "marketplace";
    public const string Audience = "marketplace-api";
    public const string SessionClaim = "sid";

    /// <summary>The default scheme: a JWT session or an API key, both as <c>Authorization: Bearer</c>.</summary>
    public const string Bearer = "Bearer-or-ApiKey";

    public static WebApplicationBuilder AddMarketplaceAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SigningKey>();
        builder.Services.AddSingleton<SessionTokens>();
        builder.Services.AddSingleton<IPasswordHasher<UserRow>, PasswordHasher<UserRow>>();
        builder.Services.AddSingleton<Passwords>();
        builder.Services.AddMarketplaceAccounts();
        builder.Services.AddHttpContextAccessor();
        // one default scheme that hands an API key (Bearer mk_...) to its handler and everything else to the JWT one
        builder.Services.AddAuthentication(Bearer)
            .AddPolicyScheme(Bearer, null, o => o.ForwardDefaultSelector = http =>
                ApiKeyAuthentication.Carries(http) ? ApiKeyAuthentication.SchemeName : JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKey, TimeProvider>((o, key, clock) =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = Issuer,
                    ValidAudience = Audience,
                    IssuerSigningKey = key.Key,
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    NameClaimType = JwtRegisteredClaimNames.Sub,
                    // the app's clock, not the machine's, so expiry is testable without sleeping
                    LifetimeValidator = (notBefore, expires, _, _) =>
                    {
                        var now = clock.GetUtcNow().UtcDateTime;
                        return (notBefore is null || notBefore <= now.AddSeconds(30)) && expires is not null && expires > now.AddSeconds(-30);
                    },
                };
                o.Events = new JwtBearerEvents { OnTokenValidated = CheckSessionAsync };
            });

        builder.Services.AddSingleton<IAuthorizationHandler, CurrentUserRequirementHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.VerifiedEmail, p => p.RequireAuthenticatedUser().AddRequirements(new VerifiedEmailRequirement()))
            .AddPolicy(Policies.Provider, p => p.RequireAuthenticatedUser().AddRequirements(new ProviderRequirement()))
            .AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().AddRequirements(new AdminRequirement()));
        return builder;
    }

    public static WebApplication UseMarketplaceAuth(this WebApplication app)
    {
        // Both schemes read only the Authorization header: without one, every handler answers "no result" and
        // the caller is anonymous, so the handlers are not even made (benchmarks/RawFloor: a few us per public read).
        // A protected endpoint still challenges (401) through the authorization middleware's own evaluation.
        app.UseWhen(http => http.Request.Headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.Authorization), branch => branch.UseAuthentication());
        // UseAuthentication marks only the branch's builder: without the mark, WebApplication adds an unconditional one in front
        ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
        app.Use(ApiKeyAuthentication.EnforceScopeAsync);
        app.UseAuthorization();
        return app;
    }

    private static async Task CheckSessionAsync(TokenValidatedContext context)
    {
        var principal = context.Principal!;
        if (!int.TryParse(principal.FindFirstValue(JwtRegisteredClaimNames.Sub), out var userId)
            || !Guid.TryParse(principal.FindFirstValue(SessionClaim), out var sessionId))
        {
            context.Fail("token without subject or session");
            return;
        }

        var http = context.HttpContext;
        var db = http.RequestServices.GetRequiredService<Db>();
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var user = await (
            from s in db.GetTable<SessionRow>()
            join u in db.GetTable<UserRow>() on s.UserId equals u.Id
            from p in db.GetTable<ProviderRow>().Where(p => p.UserId == u.Id && p.DeletedAt == null).DefaultIfEmpty()
            where s.Id == sessionId && s.UserId == userId && s.RevokedAt == null && s.ExpiresAt > now
                  && u.DeletedAt == null && u.Status == "active"
            select new CurrentUser(u.Id, s.Id, u.Email, u.EmailVerified, (int?)p.Id, p.Status, u.IsAdmin))
            .FirstOrDefaultAsync(http.RequestAborted);
        // back to the pool at once (linq2db keeps it open until the request ends): a signed-in view or browse
        // then holds a connection only while its direct read runs (ReadDb, Platform/PoolStarvationTests)
        await db.CloseAsync();
        if (user is null)
        {
            context.Fail("session revoked or expired");
            return;
        }
        http.Items[typeof(CurrentUser)] = user;
    }

    /// <summary>Answers a failed requirement with a problem naming it (403 email_not_verified, ...).</summary>
    private sealed class ProblemAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler fallback = new();

        public async Task HandleAsync(RequestDelegate next, HttpContext http, AuthorizationPolicy policy, PolicyAuthorizationResult result)
        {
            if (result.Forbidden && result.AuthorizationFailure?.FailedRequirements.OfType<ICodedRequirement>().FirstOrDefault() is { } failed)
            {
                http.Response.StatusCode = StatusCodes.Status403Forbidden;
                var problem = new ProblemDetails
                {
                    Status = StatusCodes.Status403Forbidden,
                    Title = "Forbidden",
                    Detail = failed.Detail,
                    Instance = http.Request.Path,
                };
                problem.Extensions["code"] = failed.Code;
                await problems.WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
                return;
            }
            await fallback.HandleAsync(next, http, policy, result);
        }
    }

    private sealed class CurrentUserRequirementHandler(IHttpContextAccessor accessor) : IAuthorizationHandler
    {
        public Task HandleAsync(AuthorizationHandlerContext context)
        {
            var user = accessor.HttpContext?.Items[typeof(CurrentUser)] as CurrentUser;
            foreach (var requirement in context.PendingRequirements.OfType<ICodedRequirement>().ToArray())
            {
                if (user is not null && requirement.IsMet(user))
                {
                    context.Succeed(requirement);
                }
            }
            return Task.CompletedTask;
        }
    }
}

/// <summary>Policy names for endpoints' <c>Policies(...)</c>.</summary>
public static class Policies
{
    /// <summary>Logged in with a verified e-mail address (403 email_not_verified otherwise).</summary>
    public const string VerifiedEmail = "verified-email";

    /// <summary>Logged in and registered as a provider (403 not_a_provider otherwise).</summary>
    public const string Provider = "provider";

    /// <summary>Logged in as an operator (users.is_admin, granted from the CLI; 403 not_an_admin otherwise).</summary>
    public const string Admin = "admin";
}

internal interface ICodedRequirement : IAuthorizationRequirement
{
    string Code { get; }
    string Detail { get; }
    bool IsMet(CurrentUser user);
}

internal sealed class VerifiedEmailRequirement : ICodedRequirement
{
    public string Code => "email_not_verified";
    public string Detail => "Verify your e-mail address first.";
    public bool IsMet(CurrentUser user) => user.EmailVerified;
}

internal sealed class ProviderRequirement : ICodedRequirement
{
    public string Code => "not_a_provider";
    public string Detail => "Only providers can do this; register as a provider first.";
    public bool IsMet(CurrentUser user) => user.ProviderId is not null;
}

internal sealed class AdminRequirement : ICodedRequirement
{
    public string Code => "not_an_admin";
    public string Detail => "Only the platform's operators can do this.";
    public bool IsMet(CurrentUser user) => user.IsAdmin;
}

/// <summary>The caller, as loaded with the session (or API key) check of this request (only active, not deleted users get this far).</summary>
public sealed record CurrentUser(int Id, Guid SessionId, string Email, bool EmailVerified, int? ProviderId, string? ProviderStatus, bool IsAdmin = false)
{
    /// <summary>The API key the caller authenticated with (SessionId is then empty); null for a session.</summary>
    public int? ApiKeyId { get; init; }

    /// <summary>read | write for an API key; null for a session.</summary>
    public string? ApiKeyScope { get; init; }
}

public static class CurrentUserExtensions
{
    /// <summary>The authenticated caller; only for endpoints that require authentication.</summary>
    public static CurrentUser CurrentUser(this HttpContext http) =>
        http.Items[typeof(CurrentUser)] as CurrentUser
        ?? throw new InvalidOperationException("CurrentUser() on an endpoint without authentication");

    /// <summary>The caller when a token was sent, else null (anonymous endpoints that show the owner more).</summary>
    public static CurrentUser? OptionalUser(this HttpContext http) => http.Items[typeof(CurrentUser)] as CurrentUser;
}

/// <summary>The pair of tokens a login hands out.</summary>
public sealed record IssuedTokens(string AccessToken, int ExpiresIn, string RefreshToken, Guid SessionId);

/// <summary>Starts sessions and mints their tokens.</summary>
public sealed class SessionTokens(SigningKey key, MarketplaceOptions options, TimeProvider clock)
{
    private readonly JwtSecurityTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>Creates a session with its first refresh token; the caller owns the transaction.</summary>
    public async Task<IssuedTokens> StartSessionAsync(Db db, int userId, string? userAgent, string? ipAddress, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var session = new SessionRow
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            CreatedAt = now,
            ExpiresAt = now.AddDays(options.Auth.RefreshTokenDays),
            UserAgent = userAgent is { Length: > 500 } ? userAgent[..500] : userAgent,
            IpAddress = ipAddress,
        };
        await db.InsertAsync(session, token: ct);
        var refresh = await AddRefreshTokenAsync(db, session.Id, session.ExpiresAt, ct);
        return new IssuedTokens(AccessToken(userId, session.Id, out var expiresIn), expiresIn, refresh, session.Id);
    }

    /// <summary>Starts a session for the caller of this request (its user agent and client IP are kept with it).</summary>
    public Task<IssuedTokens> StartSessionAsync(Db db, int userId, HttpContext http, CancellationToken ct) =>
        StartSessionAsync(db, userId,
            http.Request.Headers.UserAgent is { Count: > 0 } agent ? agent.ToString() : null,
            http.Connection.RemoteIpAddress?.ToString(), ct);

    // successors are HMACs of their predecessor under a key of their own, derived from the signing key
    private readonly byte[] successorKey = HMACSHA256.HashData(key.Key.Key, "marketplace/refresh-token-successor"u8);

    /// <summary>Stores a new random refresh token of a session (login) and returns it.</summary>
    public Task<string> AddRefreshTokenAsync(Db db, Guid sessionId, DateTime sessionExpiresAt, CancellationToken ct) =>
        AddRefreshTokenAsync(db, sessionId, sessionExpiresAt, Secrets.NewToken(), ct);

    /// <summary>
    /// The refresh token that replaces <paramref name="token"/> on rotation: HMAC-SHA256 of it, so
    /// the same token always has the same successor (a concurrent or retried refresh gets the same
    /// answer) and only its hash is ever stored. As unguessable as a random token without the key.
    /// </summary>
    public string SuccessorOf(string token) =>
        Convert.ToBase64String(HMACSHA256.HashData(successorKey, Encoding.UTF8.GetBytes(token))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Stores this refresh token of a session (only its hash) and returns it.</summary>
    public async Task<string> AddRefreshTokenAsync(Db db, Guid sessionId, DateTime sessionExpiresAt, string token, CancellationToken ct)
    {
        await db.InsertAsync(new RefreshTokenRow
        {
            SessionId = sessionId,
            TokenHash = Secrets.Hash(token),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            ExpiresAt = sessionExpiresAt,
        }, token: ct);
        return token;
    }

    public string AccessToken(int userId, Guid sessionId, out int expiresInSeconds)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        expiresInSeconds = options.Auth.AccessTokenMinutes * 60;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Auth.Issuer,
            Audience = Auth.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddSeconds(expiresInSeconds),
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, userId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Claim(Auth.SessionClaim, sessionId.ToString()),
                new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
            ]),
            SigningCredentials = new SigningCredentials(key.Key, SecurityAlgorithms.HmacSha256),
        };
        return handler.WriteToken(handler.CreateToken(descriptor));
    }
}

/// <summary>
/// The JWT signing key: Marketplace:Auth:SigningKey, or in Development a random key generated once
/// and kept under the data folder so tokens survive restarts.
/// </summary>
public sealed class SigningKey
{
    public SymmetricSecurityKey Key { get; }

    public SigningKey(MarketplaceOptions options, IHostEnvironment environment)
    {
        var configured = options.Auth.SigningKey;
        if (string.IsNullOrWhiteSpace(configured))
        {
            var path = Path.Combine(options.DataDirectory(environment), "jwt-signing-key");
            if (!File.Exists(path))
            {
                File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
            }
            configured = File.ReadAllText(path).Trim();
        }
        Key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(configured));
    }
}

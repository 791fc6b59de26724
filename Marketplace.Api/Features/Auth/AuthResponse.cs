using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Auth;

/// <summary>What register, login and refresh answer: the session's tokens and the user's profile.</summary>
/// <param name="AccessToken">JWT for <c>Authorization: Bearer</c>; valid for <paramref name="ExpiresIn"/> seconds or until the session is revoked.</param>
/// <param name="RefreshToken">Opaque, single-use: POST it to /auth/refresh for a new pair. Using it twice revokes the session.</param>
public sealed record AuthResponse(string AccessToken, [OneOf("Bearer")] string TokenType, int ExpiresIn, string RefreshToken, UserProfile User)
{
    public static async Task<AuthResponse> ForAsync(Db db, IssuedTokens tokens, int userId, CancellationToken ct)
    {
        var user = await UserProfiles.GetAsync(db, userId, ct) ?? throw ApiProblem.NotFound("user");
        return new AuthResponse(tokens.AccessToken, "Bearer", tokens.ExpiresIn, tokens.RefreshToken, user);
    }
}

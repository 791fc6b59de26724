using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Auth.Refresh;

internal sealed record PresentedToken(
    long Id, DateTime ExpiresAt, DateTime? UsedAt,
    Guid SessionId, DateTime SessionExpiresAt, DateTime? SessionRevokedAt,
    int UserId, string UserStatus, DateTime? UserDeletedAt);

internal static class Data
{
    /// <summary>The token with its session and user, looked up by its SHA-256 (only the hash is stored).</summary>
    public static Task<PresentedToken?> FindAsync(Db db, string tokenHash, CancellationToken ct) =>
        (from t in db.RefreshTokens
         join s in db.Sessions on t.SessionId equals s.Id
         join u in db.Users on s.UserId equals u.Id
         where t.TokenHash == tokenHash
         select new PresentedToken(t.Id, t.ExpiresAt, t.UsedAt, s.Id, s.ExpiresAt, s.RevokedAt, u.Id, u.Status, u.DeletedAt))
        .FirstOrDefaultAsync(ct);

    /// <summary>Spends the token; 0 when it was spent already (a concurrent refresh won, or it is being replayed).</summary>
    public static Task<int> MarkUsedAsync(Db db, long tokenId, DateTime now, CancellationToken ct) =>
        db.RefreshTokens.Where(t => t.Id == tokenId && t.UsedAt == null).Set(t => t.UsedAt, now).UpdateAsync(ct);

    /// <summary>When the token was spent (read again after a concurrent refresh spent it).</summary>
    public static Task<DateTime?> UsedAtAsync(Db db, long tokenId, CancellationToken ct) =>
        db.RefreshTokens.Where(t => t.Id == tokenId).Select(t => t.UsedAt).FirstOrDefaultAsync(ct);

    /// <summary>Whether the successor issued for a spent token exists in this session and is still unspent.</summary>
    public static Task<bool> SuccessorUnspentAsync(Db db, Guid sessionId, string successorHash, CancellationToken ct) =>
        db.RefreshTokens.AnyAsync(t => t.TokenHash == successorHash && t.SessionId == sessionId && t.UsedAt == null, ct);

    public static Task<int> RevokeSessionAsync(Db db, Guid sessionId, DateTime now, CancellationToken ct) =>
        db.Sessions.Where(s => s.Id == sessionId && s.RevokedAt == null)
            .Set(s => s.RevokedAt, now)
            .Set(s => s.RevokedReason, "refresh_token_reuse")
            .UpdateAsync(ct);
}

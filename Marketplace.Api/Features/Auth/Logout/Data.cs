using LinqToDB;
using Marketplace.Api.Data;

namespace Marketplace.Api.Features.Auth.Logout;

internal static class Data
{
    public static Task<int> RevokeSessionAsync(Db db, Guid sessionId, DateTime now, CancellationToken ct) =>
        db.Sessions.Where(s => s.Id == sessionId && s.RevokedAt == null)
            .Set(s => s.RevokedAt, now)
            .Set(s => s.RevokedReason, "logout")
            .UpdateAsync(ct);
}

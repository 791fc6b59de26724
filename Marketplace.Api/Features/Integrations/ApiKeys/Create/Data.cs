using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Integrations.ApiKeys.Create;

internal static class Data
{
    /// <summary>Locks the user's row (first in the lock order) so two creations count the keys one after the other.</summary>
    public static Task LockUserAsync(Db db, int userId, CancellationToken ct) =>
        Pg.ExecuteAsync(db, "SELECT 1 FROM marketplace.users WHERE id = $1 FOR NO KEY UPDATE", ct, Pg.P(userId));
}

using Marketplace.Api.Infrastructure;

namespace Marketplace.Api.Features.Listings.Browse;

/// <summary>
/// Whether relevance can rank every match through the RUM index, which operators create by choice
/// (<see cref="Marketplace.Migrations.RumIndex"/> says why it is not a migration: rum 1.3.13 breaks
/// streaming standbys). Looked up once per process, at the first relevance search; without the
/// index relevance ranks every match by tier (<see cref="Data.Tier"/>), which the log says once. Creating the index
/// later takes effect at the next start (README: Search).
/// </summary>
public sealed class RelevanceIndex(ILogger<RelevanceIndex> logger)
{
    public const string IndexName = Marketplace.Migrations.RumIndex.IndexName;

    private const string LookupSql = $"""
        SELECT n.nspname
          FROM pg_extension e
          JOIN pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'rum'
           AND EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = 'marketplace' AND indexname = '{IndexName}')
        """;

    private volatile Answer? found;

    /// <summary>The schema of the RUM extension (for its <c>&lt;=&gt;</c> operator) when the index exists; null otherwise.</summary>
    /// <remarks>
    /// Looked up as a direct read (<see cref="ReadDb.ReadAsync{T}"/>), like the search after it: a request
    /// never holds two connections of the pool (Platform/PoolStarvationTests).
    /// </remarks>
    public async ValueTask<string?> RumSchemaAsync(ReadDb reads, CancellationToken ct)
    {
        if (found is { } known)
        {
            return known.Schema;
        }
        var schema = (await reads.ReadAsync(connection => Pg.QueryAsync(connection, LookupSql, r => r.GetString(0), ct), ct)).FirstOrDefault();
        // concurrent first searches may both look; only the one that records the answer logs it
        if (Interlocked.CompareExchange(ref found, new Answer(schema), null) is null)
        {
            logger.LogInformation("sort=relevance ranks {Ranking}.", schema is null
                ? "every match by where it matches (title, keywords, description), newest first in each tier"
                : $"every match through the RUM index {IndexName} (word positions and frequency)");
        }
        return found!.Schema;
    }

    private sealed record Answer(string? Schema);
}

using FluentMigrator;

namespace Marketplace.Migrations.Versions;

/// <summary>
/// PostgreSQL's JIT off for the marketplace's database (issue 15). JIT compiles a statement whose estimated cost passes
/// jit_above_cost (100,000), which at 1M listings a search's fallback reaches by its estimate of the matches to sort,
/// although it finds none: 18-40 ms of LLVM code generation on every execution of a statement that then ran in 0.05 ms
/// (EXPLAIN ANALYZE's "JIT: ... Emission 18.5 ms"). A word no listing has, in the relevance rotation of
/// benchmarks/ListingSearch, went from p99 86 ms at 200k to 217-249 ms at 1M with JIT, 74-85 ms without. Every
/// statement the API runs reads a bounded page; none is the long analytic query JIT pays off for.
/// A database setting, not a connection option: it reaches every connection of the database, through a
/// transaction-mode PgBouncer (which refuses an <c>options</c> startup parameter) and on a read replica
/// (pg_db_role_setting is replicated). It applies to sessions opened after the migration. ALTER DATABASE needs the
/// database's owner: a migrating role that is not warns and leaves the setting to the operator (README: database settings).
/// </summary>
[Migration(202611273300, "jit = off for the database")]
public sealed class M202611273300_JitOff : Migration
{
    /// <summary>The statement <see cref="Up"/> runs (public for the tests: run as a role that does not own the database, it warns).</summary>
    public const string UpSql = """
        DO $$
        BEGIN
            EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'jit stays on for database %: only its owner can ALTER DATABASE; run ALTER DATABASE % SET jit = off as the owner (README: database settings)',
                current_database(), current_database();
        END $$;
        """;

    public override void Up() => Execute.Sql(UpSql);

    public override void Down() => Execute.Sql("""
        DO $$
        BEGIN
            EXECUTE format('ALTER DATABASE %I RESET jit', current_database());
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'jit stays off for database %: only its owner can ALTER DATABASE', current_database();
        END $$;
        """);
}

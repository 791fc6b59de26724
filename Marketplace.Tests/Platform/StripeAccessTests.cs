using LinqToDB;
using LinqToDB.Async;
using LinqToDB.DataProvider.PostgreSQL;
using Marketplace.Api.Data;
using Marketplace.Api.Infrastructure;
using Marketplace.Api.Infrastructure.Stripe;
using Marketplace.Tests.Infrastructure;
using Npgsql;

namespace Marketplace.Tests.Platform;

/// <summary>DESIGN round 2: nothing waits on Stripe while holding the database.</summary>
public sealed class StripeAccessTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static readonly StripeAccess Stripe = new(new MarketplaceOptions { Stripe = { SecretKey = "sk_test_unit" } });

    /// <summary>A pool of one connection that gives up waiting after a second: only a returned connection can be taken again.</summary>
    private string OneConnectionPool() => new NpgsqlConnectionStringBuilder(app.ConnectionString)
    {
        MaxPoolSize = 1, Timeout = 1, Timezone = "UTC", ApplicationName = "stripe-access-" + Guid.NewGuid().ToString("N")[..8],
    }.ConnectionString;

    [Fact]
    public async Task The_Stripe_client_is_handed_out_only_once_the_connection_is_back_in_the_pool()
    {
        var cs = OneConnectionPool();
        await using var db = new Db(new DataOptions<Db>(new DataOptions().UsePostgreSQL(cs, PostgreSQLVersion.v15)));
        await db.Users.CountAsync(); // linq2db keeps the connection open from here on

        await using (var other = new NpgsqlConnection(cs))
        {
            await Assert.ThrowsAsync<NpgsqlException>(() => other.OpenAsync()); // held: the pool is empty
        }

        await Stripe.ClientAsync(db);
        await using (var other = new NpgsqlConnection(cs))
        {
            await other.OpenAsync(); // returned
        }
        Assert.True(await db.Users.CountAsync() >= 0); // and the request's next query reopens one
    }

    [Fact]
    public async Task Asking_for_the_Stripe_client_inside_a_transaction_is_a_bug_that_fails_loudly()
    {
        await using var db = app.Db();
        await using var tx = await db.BeginTransactionAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => Stripe.ClientAsync(db));
    }

    [Fact]
    public async Task Without_a_secret_key_the_client_is_503_stripe_not_configured()
    {
        await using var db = app.Db();
        var problem = await Assert.ThrowsAsync<ApiProblem>(() => new StripeAccess(new MarketplaceOptions()).ClientAsync(db));
        Assert.Equal((503, "stripe_not_configured"), (problem.Status, problem.Code));
    }
}

using System.Net;
using Marketplace.Migrations;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Platform;

public sealed class HealthTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Live_answers_healthy()
    {
        var json = await (await app.Client().GetAsync("/health/live")).AssertJson(HttpStatusCode.OK);
        Assert.Equal("healthy", json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_answers_healthy_when_the_schema_is_up_to_date()
    {
        var json = await (await app.Client().GetAsync("/health/ready")).AssertJson(HttpStatusCode.OK);
        Assert.Equal("healthy", json.GetProperty("status").GetString());
        Assert.Equal("healthy", json.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_reports_each_dependency_in_its_body()
    {
        var json = await (await app.Client().GetAsync("/health/ready")).AssertJson(HttpStatusCode.OK);
        var checks = json.GetProperty("checks");
        Assert.Equal(["database", "migrations", "replica", "smtp", "stripe"], checks.EnumerateObject().Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.All(checks.EnumerateObject(), c => Assert.Equal("healthy", c.Value.GetProperty("status").GetString()));
        Assert.Equal($"schema up to date at version {MarketplaceMigrator.Known[^1].Version}", checks.GetProperty("migrations").GetProperty("description").GetString());
        Assert.StartsWith("reachable at 127.0.0.1:", checks.GetProperty("smtp").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("configured (http://127.0.0.1:", checks.GetProperty("stripe").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ready_stays_200_but_degraded_when_smtp_is_unreachable_or_stripe_is_not_configured()
    {
        var closedPort = AppFixture.FreePort();
        using var host = app.Isolated(settings: new Dictionary<string, string?>
        {
            ["Marketplace:Smtp:Port"] = closedPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Marketplace:Stripe:SecretKey"] = "",
        });
        var json = await (await host.CreateClient().GetAsync("/health/ready")).AssertJson(HttpStatusCode.OK);
        Assert.Equal("degraded", json.GetProperty("status").GetString());
        var checks = json.GetProperty("checks");
        Assert.Equal("degraded", checks.GetProperty("smtp").GetProperty("status").GetString());
        Assert.Equal($"unreachable at 127.0.0.1:{closedPort}: mails wait in the outbox until it answers", checks.GetProperty("smtp").GetProperty("description").GetString());
        Assert.Equal("degraded", checks.GetProperty("stripe").GetProperty("status").GetString());
        Assert.StartsWith("not configured (Marketplace__Stripe__SecretKey)", checks.GetProperty("stripe").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("healthy", checks.GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Live_checks_no_dependency()
    {
        using var host = app.Isolated(settings: new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marketplace"] = $"Host=127.0.0.1;Port={AppFixture.FreePort()};Username=nobody;Database=none;Timeout=2",
        });
        var json = await (await host.CreateClient().GetAsync("/health/live")).AssertJson(HttpStatusCode.OK);
        Assert.Equal("healthy", json.GetProperty("status").GetString());
        Assert.Empty(json.GetProperty("checks").EnumerateObject());
    }

    [Fact]
    public async Task Ready_answers_503_while_a_migration_is_pending()
    {
        var empty = await TestDatabase.CreateAsync("health");
        try
        {
            using var host = app.Isolated(settings: new Dictionary<string, string?> { ["ConnectionStrings:Marketplace"] = empty });
            var response = await host.CreateClient().GetAsync("/health/ready");
            var json = await response.AssertJson(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("unhealthy", json.GetProperty("status").GetString());
            Assert.Equal("healthy", json.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
            Assert.Equal("unhealthy", json.GetProperty("checks").GetProperty("migrations").GetProperty("status").GetString());
            Assert.StartsWith($"{MarketplaceMigrator.Known.Count} migration(s) pending", json.GetProperty("checks").GetProperty("migrations").GetProperty("description").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await TestDatabase.DropAsync(empty);
        }
    }

    [Fact]
    public async Task Ready_answers_503_when_the_database_is_unreachable()
    {
        using var host = app.Isolated(settings: new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marketplace"] = $"Host=127.0.0.1;Port={AppFixture.FreePort()};Username=nobody;Database=none;Timeout=2",
        });
        var response = await host.CreateClient().GetAsync("/health/ready");
        var json = await response.AssertJson(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("database unreachable", json.GetProperty("checks").GetProperty("database").GetProperty("description").GetString());
    }
}

using System.Net;
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
    public async Task Ready_answers_503_while_a_migration_is_pending()
    {
        var empty = await TestDatabase.CreateAsync("health");
        try
        {
            using var host = app.Isolated(settings: new Dictionary<string, string?> { ["ConnectionStrings:Marketplace"] = empty });
            var response = await host.CreateClient().GetAsync("/health/ready");
            var json = await response.AssertJson(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("unhealthy", json.GetProperty("status").GetString());
            Assert.Contains("pending", json.GetProperty("checks").GetProperty("database").GetProperty("description").GetString(), StringComparison.Ordinal);
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

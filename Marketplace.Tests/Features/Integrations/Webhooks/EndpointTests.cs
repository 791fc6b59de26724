using System.Net;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Integrations.Webhooks;

/// <summary>Managing webhook endpoints (no delivery: see DeliveryTests).</summary>
public sealed class EndpointTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Endpoints = DeliveryTests.Endpoints;

    [Theory]
    [InlineData("http://93.184.216.34/hooks", "https")]
    [InlineData("https://127.0.0.1/hooks", "private")]
    [InlineData("https://localhost/hooks", "private")]
    [InlineData("https://10.1.2.3/hooks", "private")]
    [InlineData("https://192.168.0.10/hooks", "private")]
    [InlineData("https://172.16.5.4/hooks", "private")]
    [InlineData("https://169.254.169.254/latest/meta-data", "private")]
    [InlineData("https://[::1]/hooks", "private")]
    [InlineData("https://[fe80::1]/hooks", "private")]
    [InlineData("ftp://93.184.216.34/hooks", "https")]
    public async Task A_target_that_is_not_https_or_is_internal_is_refused(string url, string why)
    {
        var user = await app.CreateAsync();
        var problem = await (await app.Client(user.AccessToken).PostJson(Endpoints, new { url, eventTypes = new[] { "transaction.paid" } }))
            .AssertProblem(HttpStatusCode.BadRequest, "url_not_allowed");
        Assert.Contains(why, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_endpoint_is_created_listed_read_updated_and_deleted_by_its_owner_only()
    {
        using var host = app.Isolated(settings: DeliveryTests.Loopback());
        var user = await app.CreateAsync();
        var other = await app.CreateAsync();
        var api = host.ClientFor(user);

        var created = await (await api.PostJson(Endpoints, new { url = "http://127.0.0.1:9/hooks", eventTypes = new[] { "transaction.paid", "invoice.paid" } }))
            .AssertJson(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetInt32();
        Assert.StartsWith("whsec_", created.GetProperty("secret").GetString());

        var list = await (await api.GetAsync(Endpoints)).AssertJson(HttpStatusCode.OK);
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, item.GetProperty("secret").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await (await api.GetAsync($"{Endpoints}/{id}")).AssertJson(HttpStatusCode.OK)).GetProperty("secret").ValueKind);

        var updated = await (await api.PatchJson($"{Endpoints}/{id}", new { eventTypes = new[] { "review.created" }, disabled = true })).AssertJson(HttpStatusCode.OK);
        Assert.Equal(["review.created"], updated.GetProperty("eventTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.True(updated.GetProperty("disabled").GetBoolean());
        Assert.Equal("owner", updated.GetProperty("disabledReason").GetString());

        var stranger = host.ClientFor(other);
        await (await stranger.GetAsync($"{Endpoints}/{id}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await stranger.PatchJson($"{Endpoints}/{id}", new { disabled = false })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await stranger.PostAsync($"{Endpoints}/{id}/rotate-secret", null)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await stranger.GetAsync($"{Endpoints}/{id}/deliveries")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await stranger.DeleteAsync($"{Endpoints}/{id}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Empty((await (await stranger.GetAsync(Endpoints)).AssertJson(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());

        Assert.Empty((await (await api.GetAsync($"{Endpoints}/{id}/deliveries")).AssertJson(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        await (await api.PostAsync($"{Endpoints}/{id}/deliveries/12345/retry", null)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"{Endpoints}/{id}")).StatusCode);
        await (await api.GetAsync($"{Endpoints}/{id}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("{\"eventTypes\":[\"transaction.paid\"]}", "url")]
    [InlineData("{\"url\":\"https://example.com/h\"}", "eventTypes")]
    [InlineData("{\"url\":\"https://example.com/h\",\"eventTypes\":[]}", "eventTypes")]
    [InlineData("{\"url\":\"https://example.com/h\",\"eventTypes\":[\"listing.exploded\"]}", "eventTypes")]
    public async Task Creating_an_endpoint_validates_its_fields(string body, string field)
    {
        var user = await app.CreateAsync();
        var response = await app.Client(user.AccessToken).PostAsync(Endpoints, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await response.AssertValidationError(field);
    }

    [Fact]
    public async Task Endpoints_need_a_caller()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client().GetAsync(Endpoints)).StatusCode);
    }
}

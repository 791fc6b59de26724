using System.Net;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Admin.AuditLog;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Url = AdminApi.Base + "/audit";

    [Fact]
    public async Task The_audit_log_is_filtered_by_entity_and_actor_and_paged_newest_first()
    {
        var admin = await app.CreateAdminAsync();
        var user = await app.CreateAsync();
        var client = app.Client(admin.AccessToken);
        await (await client.PostJson($"{AdminApi.Base}/users/{user.Id}/suspend", new { reason = "One." })).AssertJson(HttpStatusCode.OK);
        await (await client.PostJson($"{AdminApi.Base}/users/{user.Id}/reinstate", new { reason = "Two." })).AssertJson(HttpStatusCode.OK);

        var first = await (await client.GetAsync($"{Url}?entityType=user&entityId={user.Id}&limit=1")).AssertJson(HttpStatusCode.OK);
        var newest = first.GetProperty("items")[0];
        Assert.Equal(("reinstate", admin.Id, "admin", "Two."), (newest.GetProperty("action").GetString(), newest.GetProperty("actorUserId").GetInt32(),
            newest.GetProperty("actorRole").GetString(), newest.GetProperty("details").GetProperty("reason").GetString()));
        var cursor = Uri.EscapeDataString(first.GetProperty("nextCursor").GetString()!);
        var second = await (await client.GetAsync($"{Url}?entityType=user&entityId={user.Id}&limit=1&cursor={cursor}")).AssertJson(HttpStatusCode.OK);
        Assert.Equal("suspend", second.GetProperty("items")[0].GetProperty("action").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);

        var byActor = await (await client.GetAsync($"{Url}?actorId={admin.Id}")).AssertJson(HttpStatusCode.OK);
        Assert.Equal(2, byActor.GetProperty("items").GetArrayLength());
        var future = Uri.EscapeDataString(DateTime.UtcNow.AddDays(1).ToString("O"));
        Assert.Equal(0, (await (await client.GetAsync($"{Url}?actorId={admin.Id}&from={future}")).AssertJson(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("entityType=order", "entityType")]
    [InlineData("entityId=5", "entityType")]
    [InlineData("from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "to")]
    public async Task Invalid_filters_are_400(string query, string field)
    {
        var admin = await app.CreateAdminAsync();
        await (await app.Client(admin.AccessToken).GetAsync($"{Url}?{query}")).AssertValidationError(field);
    }
}

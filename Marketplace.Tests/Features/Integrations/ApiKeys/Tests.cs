using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Api.Data;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Integrations.ApiKeys;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Keys = TestBookings.Api + "/api-keys";
    private const string Me = TestBookings.Api + "/auth/me";

    private async Task<(int Id, string Key)> CreateKeyAsync(TestUser user, string scope, string name = "Sync")
    {
        var json = await (await app.Client(user.AccessToken).PostJson(Keys, new { name, scope })).AssertJson(HttpStatusCode.Created);
        return (json.GetProperty("id").GetInt32(), json.GetProperty("key").GetString()!);
    }

    private HttpClient WithKey(string key)
    {
        var client = app.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    public async Task A_created_key_is_shown_once_stored_hashed_and_acts_as_its_user()
    {
        var user = await app.CreateAsync();
        var created = await (await app.Client(user.AccessToken).PostJson(Keys, new { name = "  Inventory sync ", scope = "write" })).AssertJson(HttpStatusCode.Created);
        var key = created.GetProperty("key").GetString()!;
        Assert.Matches("^mk_[A-Za-z0-9_-]{43}$", key);
        Assert.Equal("Inventory sync", created.GetProperty("name").GetString());
        Assert.Equal(key[..9], created.GetProperty("prefix").GetString());

        var list = await (await app.Client(user.AccessToken).GetAsync(Keys)).AssertJson(HttpStatusCode.OK);
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.False(item.TryGetProperty("key", out _));
        Assert.DoesNotContain(key, list.GetRawText());

        using var db = app.Db();
        var row = await db.GetTable<ApiKeyRow>().SingleAsync(k => k.UserId == user.Id);
        Assert.Equal(Marketplace.Api.Infrastructure.Secrets.Hash(key), row.KeyHash);

        var me = await (await WithKey(key).GetAsync(Me)).AssertJson(HttpStatusCode.OK);
        Assert.Equal(user.Id, me.GetProperty("id").GetInt32());
        // a write key may write
        await (await WithKey(key).PatchJson(Me, new { firstName = "Keyed" })).AssertJson(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_read_key_only_reads_and_anything_else_is_403_insufficient_scope()
    {
        var user = await app.CreateAsync();
        var (_, key) = await CreateKeyAsync(user, "read");
        await (await WithKey(key).GetAsync(Me)).AssertJson(HttpStatusCode.OK);
        await (await WithKey(key).PatchJson(Me, new { firstName = "Nope" })).AssertProblem(HttpStatusCode.Forbidden, "insufficient_scope");
        await (await WithKey(key).PostJson(Keys, new { name = "escalate", scope = "write" })).AssertProblem(HttpStatusCode.Forbidden, "insufficient_scope");
        using var db = app.Db();
        Assert.Equal("Test", (await db.Users.SingleAsync(u => u.Id == user.Id)).FirstName);
    }

    [Fact]
    public async Task A_deleted_key_is_401_on_the_next_request_and_another_users_key_is_404()
    {
        var user = await app.CreateAsync();
        var other = await app.CreateAsync();
        var (id, key) = await CreateKeyAsync(user, "write");
        await (await WithKey(key).GetAsync(Me)).AssertJson(HttpStatusCode.OK);

        await (await app.Client(other.AccessToken).DeleteAsync($"{Keys}/{id}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.NoContent, (await app.Client(user.AccessToken).DeleteAsync($"{Keys}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithKey(key).GetAsync(Me)).StatusCode);
        await (await app.Client(user.AccessToken).DeleteAsync($"{Keys}/{id}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Empty((await (await app.Client(user.AccessToken).GetAsync(Keys)).AssertJson(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
    }

    [Theory]
    [InlineData("suspended")]
    [InlineData("deleted")]
    public async Task The_key_of_a_suspended_or_deleted_user_is_401(string what)
    {
        var user = await app.CreateAsync();
        var (_, key) = await CreateKeyAsync(user, "write");
        using var db = app.Db();
        if (what == "suspended")
        {
            await db.Users.Where(u => u.Id == user.Id).Set(u => u.Status, "suspended").UpdateAsync();
        }
        else
        {
            await db.Users.Where(u => u.Id == user.Id).Set(u => u.DeletedAt, DateTime.UtcNow).UpdateAsync();
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithKey(key).GetAsync(Me)).StatusCode);
    }

    [Fact]
    public async Task An_unknown_or_malformed_key_is_401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithKey("mk_" + new string('a', 43)).GetAsync(Me)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithKey("mk_" + new string('a', 300)).GetAsync(Me)).StatusCode);
    }

    [Fact]
    public async Task Last_used_is_recorded_at_most_once_a_minute()
    {
        var clock = new TestClock();
        using var host = app.Isolated(clock);
        var user = await app.CreateAsync();
        var (id, key) = await CreateKeyAsync(user, "read");
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var db = app.Db();
        async Task<DateTime?> LastUsedAsync() => (await db.GetTable<ApiKeyRow>().SingleAsync(k => k.Id == id)).LastUsedAt;

        Assert.Null(await LastUsedAsync());
        await (await client.GetAsync(Me)).AssertJson(HttpStatusCode.OK);
        var first = await LastUsedAsync();
        Assert.NotNull(first);
        clock.Advance(TimeSpan.FromSeconds(30));
        await (await client.GetAsync(Me)).AssertJson(HttpStatusCode.OK);
        Assert.Equal(first, await LastUsedAsync());
        clock.Advance(TimeSpan.FromSeconds(31));
        await (await client.GetAsync(Me)).AssertJson(HttpStatusCode.OK);
        Assert.True(await LastUsedAsync() > first);
    }

    [Fact]
    public async Task A_key_reads_the_events_feed_as_its_owner()
    {
        var booking = await app.BookAsync();
        var (_, key) = await CreateKeyAsync(booking.Client, "read");
        var events = await WithKey(key).EventsAsync(e => e.Count >= 3);
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "transaction.booked");
    }

    [Theory]
    [InlineData("{\"scope\":\"read\"}", "name")]
    [InlineData("{\"name\":\"   \",\"scope\":\"read\"}", "name")]
    [InlineData("{\"name\":\"x\",\"scope\":\"admin\"}", "scope")]
    [InlineData("{\"name\":\"x\"}", "scope")]
    public async Task Creating_a_key_validates_name_and_scope(string body, string field)
    {
        var user = await app.CreateAsync();
        var response = await app.Client(user.AccessToken).PostAsync(Keys, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await response.AssertValidationError(field);
    }

    [Fact]
    public async Task Keys_need_a_caller()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client().GetAsync(Keys)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client().PostJson(Keys, new { name = "x", scope = "read" })).StatusCode);
    }

    [Fact]
    public async Task Twenty_six_concurrent_creations_leave_at_most_twenty_five_keys()
    {
        var user = await app.CreateAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 26).Select(i => app.Client(user.AccessToken).PostJson(Keys, new { name = $"k{i}", scope = "read" })));
        Assert.Equal(25, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        await responses.Single(r => r.StatusCode != HttpStatusCode.Created).AssertProblem(HttpStatusCode.Conflict, "too_many_api_keys");
        using var db = app.Db();
        Assert.Equal(25, await db.GetTable<ApiKeyRow>().CountAsync(k => k.UserId == user.Id));
    }
}

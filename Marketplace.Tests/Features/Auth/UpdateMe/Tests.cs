using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Auth.UpdateMe;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Fields_sent_are_replaced_and_fields_left_out_stay()
    {
        var user = await app.CreateAsync(firstName: "Ann", lastName: "Lee");

        var json = await (await PatchAsync(user, """
            { "firstName": "  Anna ", "phone": "+1 (512) 555-0100",
              "address": { "addressLine1": "1 Main St", "city": "Austin", "state": "TX", "zip": "78701", "country": "ca" } }
            """)).AssertJson(HttpStatusCode.OK);

        Assert.Equal("Anna", json.GetProperty("firstName").GetString());
        Assert.Equal("Lee", json.GetProperty("lastName").GetString());
        Assert.Equal("+1 (512) 555-0100", json.GetProperty("phone").GetString());
        var address = json.GetProperty("address");
        Assert.Equal("1 Main St", address.GetProperty("addressLine1").GetString());
        Assert.Equal("CA", address.GetProperty("country").GetString());
        using var db = app.Db();
        var row = await db.Users.SingleAsync(u => u.Id == user.Id);
        Assert.Equal(("Anna", "Lee", "Austin", "CA"), (row.FirstName, row.LastName, row.City, row.Country));
    }

    [Fact]
    public async Task An_explicit_null_clears_a_field_and_absent_address_fields_stay()
    {
        var user = await app.CreateAsync(firstName: "Ann", lastName: "Lee");
        await PatchAsync(user, """{ "phone": "555 0100", "address": { "addressLine1": "1 Main St", "city": "Austin" } }""");

        var json = await (await PatchAsync(user, """{ "lastName": null, "address": { "city": null } }""")).AssertJson(HttpStatusCode.OK);

        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("lastName").ValueKind);
        Assert.Equal("Ann", json.GetProperty("firstName").GetString());
        Assert.Equal("555 0100", json.GetProperty("phone").GetString());
        Assert.Equal("1 Main St", json.GetProperty("address").GetProperty("addressLine1").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("address").GetProperty("city").ValueKind);
    }

    [Fact]
    public async Task A_null_address_clears_all_of_it()
    {
        var user = await app.CreateAsync();
        await PatchAsync(user, """{ "address": { "addressLine1": "1 Main St", "city": "Austin", "country": "US" } }""");

        var json = await (await PatchAsync(user, """{ "address": null }""")).AssertJson(HttpStatusCode.OK);

        foreach (var field in json.GetProperty("address").EnumerateObject())
        {
            Assert.Equal(System.Text.Json.JsonValueKind.Null, field.Value.ValueKind);
        }
    }

    [Fact]
    public async Task An_empty_body_changes_nothing()
    {
        var user = await app.CreateAsync(firstName: "Ann", lastName: "Lee");

        var json = await (await PatchAsync(user, "{}")).AssertJson(HttpStatusCode.OK);

        Assert.Equal(("Ann", "Lee"), (json.GetProperty("firstName").GetString(), json.GetProperty("lastName").GetString()));
    }

    [Theory]
    [InlineData("""{ "firstName": "_101_" }""", "firstName")]
    [InlineData("""{ "lastName": "_101_" }""", "lastName")]
    [InlineData("""{ "phone": "call me" }""", "phone")]
    [InlineData("""{ "phone": "+1 555 555 5555 555 555 555 555 5555" }""", "phone")]
    [InlineData("""{ "address": { "country": "USA" } }""", "address.country")]
    [InlineData("""{ "address": { "zip": "123456789012345678901" } }""", "address.zip")]
    [InlineData("""{ "address": { "addressLine1": "_201_" } }""", "address.addressLine1")]
    [InlineData("""{ "address": { "city": "_101_" } }""", "address.city")]
    public async Task Values_that_do_not_fit_are_a_400_naming_the_field(string body, string field)
    {
        var user = await app.CreateAsync();
        body = body.Replace("_101_", new string('x', 101), StringComparison.Ordinal).Replace("_201_", new string('x', 201), StringComparison.Ordinal);

        await (await PatchAsync(user, body)).AssertValidationError(field);
    }

    [Fact]
    public async Task A_field_of_the_wrong_type_is_a_400()
    {
        var user = await app.CreateAsync();
        await (await PatchAsync(user, """{ "firstName": 42 }""")).AssertProblem(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Updating_needs_a_token()
    {
        var response = await app.Client().PatchAsync($"{AuthApi.Base}/me", new StringContent("{}", Encoding.UTF8, "application/json"));
        await response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    private Task<HttpResponseMessage> PatchAsync(TestUser user, string json) =>
        app.Client(user.AccessToken).PatchAsync($"{AuthApi.Base}/me", new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")));
}

using System.Net;
using System.Text;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Platform;

/// <summary>Strict input (DESIGN round 2): a JSON property the endpoint does not know is 400 unknown_field naming it.</summary>
public sealed class StrictInputTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Api = "/api/v1/marketplace";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task An_unknown_property_is_a_400_unknown_field_naming_it()
    {
        var response = await app.Client().PostAsync($"{Api}/auth/login", Json("""{"email":"a@example.test","password":"x","rememberMe":true}"""));

        var json = await response.AssertProblem(HttpStatusCode.BadRequest, "unknown_field");
        Assert.Equal(["Unknown field."], json.GetProperty("errors").GetProperty("rememberMe").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task An_unknown_property_of_a_nested_object_is_named_by_its_path()
    {
        var provider = await app.CreateProviderAsync();
        var response = await app.Client(provider.Owner.AccessToken).PatchAsync($"{Api}/providers/me",
            Json("""{"businessHours":{"mon":[{"open":"09:00","close":"17:00","lunch":"12:00"}]}}"""));

        var json = await response.AssertProblem(HttpStatusCode.BadRequest, "unknown_field");
        Assert.True(json.GetProperty("errors").TryGetProperty("businessHours.mon[0].lunch", out _), json.ToString());
    }

    [Fact]
    public async Task A_partial_update_with_an_unknown_property_changes_nothing()
    {
        var user = await app.CreateAsync(firstName: "Ada");
        var http = app.Client(user.AccessToken);

        await (await http.PatchAsync($"{Api}/auth/me", Json("""{"firstName":"Grace","nickname":"G"}"""))).AssertProblem(HttpStatusCode.BadRequest, "unknown_field");

        var me = await (await http.GetAsync($"{Api}/auth/me")).AssertJson(HttpStatusCode.OK);
        Assert.Equal("Ada", me.GetProperty("firstName").GetString());
    }

    [Fact]
    public async Task A_route_value_repeated_in_the_body_is_not_an_unknown_field()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);

        var response = await app.Client(provider.Owner.AccessToken).PatchAsync($"{Api}/listings/{listingId}",
            Json($$"""{"id":{{listingId}},"title":"Renamed listing"}"""));

        Assert.Equal("Renamed listing", (await response.AssertJson(HttpStatusCode.OK)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_wrong_type_names_the_field_without_dotnet_type_names()
    {
        var response = await app.Client().PostAsync($"{Api}/auth/login", Json("""{"email":42,"password":"x"}"""));

        var json = await response.AssertValidationError("email");
        Assert.DoesNotContain("System.", json.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Marketplace.Api", json.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Booking_takes_serviceNotes_as_the_booking_answers_them()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var client = await app.CreateAsync();
        var http = app.Client(client.AccessToken);

        var booked = await (await http.PostJson($"{Api}/transactions", new { listingId, serviceNotes = "Gentle please" })).AssertJson(HttpStatusCode.Created);
        Assert.Equal("Gentle please", booked.GetProperty("serviceNotes").GetString());

        // the old name stays as a documented alias; both at once is ambiguous
        var aliased = await (await http.PostJson($"{Api}/transactions", new { listingId, notes = "Old name" })).AssertJson(HttpStatusCode.Created);
        Assert.Equal("Old name", aliased.GetProperty("serviceNotes").GetString());
        await (await http.PostJson($"{Api}/transactions", new { listingId, notes = "a", serviceNotes = "b" })).AssertValidationError("notes");
    }

    [Fact]
    public async Task An_idempotency_key_in_the_body_is_an_unknown_field_the_header_is_the_way()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var client = await app.CreateAsync();

        var response = await app.Client(client.AccessToken).PostJson($"{Api}/transactions", new { listingId, idempotencyKey = "k-1" });

        var json = await response.AssertProblem(HttpStatusCode.BadRequest, "unknown_field");
        Assert.True(json.GetProperty("errors").TryGetProperty("idempotencyKey", out _));
    }

    [Fact]
    public async Task Paying_takes_no_body_and_an_empty_JSON_body_is_no_body()
    {
        var booking = await app.BookAsync();
        var http = booking.ClientApi(app);
        var url = $"{Api}/invoices/{booking.InvoiceId}/pay";

        var bare = await (await http.PostAsync(url, null)).AssertJson(HttpStatusCode.OK);
        var empty = await (await http.PostAsync(url, Json(""))).AssertJson(HttpStatusCode.OK);
        var emptyObject = await (await http.PostAsync(url, Json("{}"))).AssertJson(HttpStatusCode.OK);

        Assert.Equal(bare.GetProperty("sessionId").GetString(), empty.GetProperty("sessionId").GetString());
        Assert.Equal(bare.GetProperty("sessionId").GetString(), emptyObject.GetProperty("sessionId").GetString());
        await (await http.PostAsync(url, Json("""{"idempotencyKey":"k"}"""))).AssertProblem(HttpStatusCode.BadRequest, "unknown_field");
    }

    [Fact]
    public async Task The_document_has_the_idempotency_key_as_a_header_and_never_as_a_body_field()
    {
        var document = await (await app.Client().GetAsync("/openapi/v1.json")).AssertJson(HttpStatusCode.OK);
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { $"{Api}/transactions", $"{Api}/invoices/{{id}}/pay", $"{Api}/transactions/{{id}}/refund" })
        {
            var operation = paths.GetProperty(path).GetProperty("post");
            Assert.Contains(operation.GetProperty("parameters").EnumerateArray(),
                p => p.GetProperty("name").GetString() == "Idempotency-Key" && p.GetProperty("in").GetString() == "header");
        }
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var schema in schemas.EnumerateObject().Where(s => s.Name.EndsWith("Request", StringComparison.Ordinal)))
        {
            Assert.False(schema.Value.TryGetProperty("properties", out var properties) && properties.TryGetProperty("idempotencyKey", out _), schema.Name);
        }
        var pay = paths.GetProperty($"{Api}/invoices/{{id}}/pay").GetProperty("post");
        Assert.False(pay.TryGetProperty("requestBody", out var payBody) && payBody.TryGetProperty("required", out var required) && required.GetBoolean(),
            $"paying demands a body: {payBody}");
        var book = schemas.GetProperty("TransactionsBookRequest").GetProperty("properties");
        Assert.True(book.TryGetProperty("serviceNotes", out _));
    }
}

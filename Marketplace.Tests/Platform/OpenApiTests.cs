using System.Net;
using System.Text.Json;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Platform;

public sealed class OpenApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task The_OpenAPI_document_is_served_and_describes_every_operation()
    {
        var response = await app.Client().GetAsync("/openapi/v1.json");
        var doc = await response.AssertJson(HttpStatusCode.OK);

        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Equal("Marketplace API", doc.GetProperty("info").GetProperty("title").GetString());
        Assert.True(doc.GetProperty("components").GetProperty("securitySchemes").EnumerateObject().Any(),
            "the bearer scheme is documented");
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            Assert.StartsWith("/api/v1/marketplace/", path.Name, StringComparison.Ordinal);
            foreach (var operation in path.Value.EnumerateObject())
            {
                Assert.True(operation.Value.TryGetProperty("summary", out var summary) && summary.GetString()!.Length > 0,
                    $"{operation.Name.ToUpperInvariant()} {path.Name} has a summary");
                var responses = operation.Value.GetProperty("responses");
                Assert.True(responses.EnumerateObject().Any(r => r.Name.StartsWith('2')),
                    $"{operation.Name.ToUpperInvariant()} {path.Name} documents its success response");
                foreach (var error in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
                {
                    var schema = error.Value.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema");
                    Assert.Equal("#/components/schemas/Problem", schema.GetProperty("$ref").GetString());
                }
                if (operation.Value.TryGetProperty("security", out var security) && security.GetArrayLength() > 0
                    && security.EnumerateArray().All(requirement => requirement.EnumerateObject().Any()))
                {
                    Assert.True(responses.TryGetProperty("401", out _), $"{operation.Name.ToUpperInvariant()} {path.Name} documents its 401");
                }
            }
        }
    }

    private const string Api = "/api/v1/marketplace";

    private async Task<JsonElement> DocumentAsync() => await (await app.Client().GetAsync("/openapi/v1.json")).AssertJson(HttpStatusCode.OK);

    private static IEnumerable<(string Name, JsonElement Operation)> Operations(JsonElement doc) =>
        doc.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Select(op => ($"{op.Name.ToUpperInvariant()} {path.Name}", op.Value)));

    private static JsonElement Schema(JsonElement doc, string name) => doc.GetProperty("components").GetProperty("schemas").GetProperty(name);

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public async Task Every_operation_has_a_tag_a_summary_a_description_and_examples()
    {
        var doc = await DocumentAsync();
        var declared = doc.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToHashSet();
        foreach (var (name, operation) in Operations(doc))
        {
            var tags = Strings(operation.GetProperty("tags"));
            Assert.True(tags.Length == 1 && declared.Contains(tags[0]), $"{name} has one declared tag");
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("description").GetString()), $"{name} has a description");
            if (operation.TryGetProperty("requestBody", out var body) && body.GetProperty("content").TryGetProperty("application/json", out var json))
            {
                Assert.True(json.TryGetProperty("example", out _), $"{name} has a request example");
            }
            foreach (var answer in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] == '2'))
            {
                if (answer.Value.TryGetProperty("content", out var content))
                {
                    foreach (var media in content.EnumerateObject())
                    {
                        Assert.True(media.Value.TryGetProperty("example", out _), $"{name} {answer.Name} {media.Name} has an example");
                    }
                }
            }
        }
    }

    [Fact]
    public async Task Tags_come_from_the_feature_folder()
    {
        var doc = await DocumentAsync();
        var tags = Operations(doc).ToDictionary(o => o.Name, o => Strings(o.Operation.GetProperty("tags"))[0]);
        Assert.Equal("Saved listings", tags[$"GET {Api}/saved-listings"]);
        Assert.Equal("Webhooks", tags[$"POST {Api}/webhooks/stripe"]);
        Assert.Equal("Invoices", tags[$"POST {Api}/invoices/{{id}}/pay"]);
        Assert.Equal("Events", Marketplace.Api.Infrastructure.OpenApiContract.OperationContract.Tag(typeof(Marketplace.Api.Features.Integrations.Events.DomainEvents)));
    }

    [Fact]
    public async Task Anonymous_operations_declare_an_empty_security_and_the_others_the_bearer_scheme()
    {
        var doc = await DocumentAsync();
        var operations = Operations(doc).ToDictionary(o => o.Name, o => o.Operation);
        foreach (var (name, operation) in operations)
        {
            Assert.True(operation.TryGetProperty("security", out var security), $"{name} declares its security");
            if (security.GetArrayLength() > 0 && security.EnumerateArray().All(requirement => requirement.EnumerateObject().Any()))
            {
                Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _), $"{name} documents its 401");
            }
        }
        Assert.Equal(0, operations[$"POST {Api}/auth/login"].GetProperty("security").GetArrayLength());
        Assert.Equal(0, operations[$"GET {Api}/listings"].GetProperty("security").GetArrayLength());
        Assert.Equal(0, operations[$"POST {Api}/webhooks/stripe"].GetProperty("security").GetArrayLength());
        Assert.Equal(1, operations[$"POST {Api}/transactions"].GetProperty("security").GetArrayLength());
        // the owner of a draft reads it with its token; anyone else without one
        var bySlug = operations[$"GET {Api}/listings/{{idOrSlug}}"].GetProperty("security");
        Assert.Equal(["", "JWTBearerAuth"], bySlug.EnumerateArray().Select(r => r.EnumerateObject().Select(p => p.Name).FirstOrDefault() ?? ""));
    }

    [Fact]
    public async Task Enumerations_are_enums_with_the_values_the_validators_accept()
    {
        var doc = await DocumentAsync();
        string[] Enum(string schema, string property) => Strings(Schema(doc, schema).GetProperty("properties").GetProperty(property).GetProperty("enum"));

        Assert.Equal(Marketplace.Api.Features.Listings.ListingRules.Categories, Enum("ListingsCreateRequest", "category"));
        Assert.Equal(Marketplace.Api.Features.Listings.ListingRules.PriceTypes, Enum("ListingsCreateRequest", "priceType"));
        Assert.Equal(Marketplace.Api.Features.Listings.ListingRules.Categories, Enum("ListingsListingDetails", "category"));
        Assert.Equal(Marketplace.Api.Features.Listings.ListingRules.Statuses, Enum("ListingsListingDetails", "status"));
        Assert.Equal(["breeder", "service_provider", "both"], Enum("ProvidersRegisterRequest", "providerType"));
        Assert.Equal(["stripe_connect", "manual", "offline"], Enum("ProvidersRegisterRequest", "paymentMode"));
        Assert.Equal(["stripe_connect", "manual", "offline"], Enum("ProvidersProviderProfile", "paymentMode"));
        Assert.Equal(Marketplace.Api.Features.Invoices.MarkPaid.Validator.Methods, Enum("InvoicesMarkPaidRequest", "method"));
        Assert.Equal(Marketplace.Api.Payments.Bookings.TransactionStatuses, Enum("TransactionsTransactionView", "status"));
        Assert.Equal(["draft", "sent", "viewed", "paid", "refunded", "void"], Enum("InvoicesInvoiceView", "status"));
        Assert.Equal(["published", "flagged", "removed"], Enum("ReviewsCreateResponse", "status"));
        Assert.Equal(["open", "closed", "archived"], Enum("MessagesGetThreadResponse", "status"));

        var browse = Operations(doc).Single(o => o.Name == $"GET {Api}/listings").Operation.GetProperty("parameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("schema"));
        Assert.Equal(Marketplace.Api.Features.Listings.ListingRules.Categories, Strings(browse["category"].GetProperty("enum")));
        Assert.Equal(Marketplace.Api.Features.Listings.Browse.Sorts.All, Strings(browse["sort"].GetProperty("enum")));
    }

    [Fact]
    public async Task Responses_require_every_field_and_requests_exactly_what_the_server_requires()
    {
        var doc = await DocumentAsync();
        foreach (var name in new[] { "TransactionsTransactionView", "InvoicesInvoiceView", "ListingsListingDetails", "AuthUserProfile", "ProvidersProviderProfile" })
        {
            var schema = Schema(doc, name);
            Assert.Equal(schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(), Strings(schema.GetProperty("required")).Order());
        }
        // a nullable reference is nullable + allOf, never a oneOf wrapper
        var invoice = Schema(doc, "TransactionsTransactionView").GetProperty("properties").GetProperty("invoice");
        Assert.True(invoice.GetProperty("nullable").GetBoolean());
        Assert.False(invoice.TryGetProperty("oneOf", out _));

        Assert.Equal(["businessName"], Strings(Schema(doc, "ProvidersRegisterRequest").GetProperty("required")));
        Assert.Equal(["title", "category"], Strings(Schema(doc, "ListingsCreateRequest").GetProperty("required")));
        Assert.Equal(["transactionId", "rating"], Strings(Schema(doc, "ReviewsCreateRequest").GetProperty("required")));
        Assert.False(Schema(doc, "TransactionsBookRequest").TryGetProperty("required", out _), "listingId or providerId: neither alone is required");
        Assert.False(Schema(doc, "ListingsUpdateRequest").TryGetProperty("required", out _), "a PATCH requires nothing");
        Assert.Equal(["type", "title", "status", "code", "traceId"], Strings(Schema(doc, "Problem").GetProperty("required")));
        Assert.True(Schema(doc, "Problem").GetProperty("properties").TryGetProperty("instance", out _));
    }

    [Fact]
    public async Task Idempotency_Key_is_a_header_parameter_and_never_a_body_field()
    {
        var doc = await DocumentAsync();
        var text = doc.GetRawText();
        Assert.DoesNotContain("\"idempotencyKey\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("idempotency-Key", text, StringComparison.Ordinal);
        var operations = Operations(doc).ToDictionary(o => o.Name, o => o.Operation);
        foreach (var name in new[] { $"POST {Api}/transactions", $"POST {Api}/invoices/{{id}}/pay" })
        {
            var header = operations[name].GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Idempotency-Key");
            Assert.Equal("header", header.GetProperty("in").GetString());
        }
        Assert.False(operations[$"POST {Api}/invoices/{{id}}/pay"].TryGetProperty("requestBody", out _), "pay takes no body");
    }

    [Fact]
    public async Task Common_answers_are_declared_where_they_can_occur()
    {
        var doc = await DocumentAsync();
        foreach (var (name, operation) in Operations(doc))
        {
            var responses = operation.GetProperty("responses");
            Assert.True(responses.TryGetProperty("503", out _), $"{name}: 503 service_unavailable");
            if (operation.TryGetProperty("requestBody", out _))
            {
                Assert.True(responses.TryGetProperty("413", out _) && responses.TryGetProperty("415", out _), $"{name}: 413 and 415");
            }
        }
        var login = Operations(doc).Single(o => o.Name == $"POST {Api}/auth/login").Operation;
        Assert.True(login.GetProperty("responses").TryGetProperty("429", out _));
    }

    [Fact]
    public async Task Listing_paths_do_not_collide_and_a_numeric_id_is_never_read_as_a_slug()
    {
        var doc = await DocumentAsync();
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => System.Text.RegularExpressions.Regex.Replace(p.Name, "{[^}]+}", "{}")).ToList();
        Assert.Equal(paths.Count, paths.Distinct().Count());
        var item = doc.GetProperty("paths").GetProperty($"{Api}/listings/{{idOrSlug}}");
        Assert.True(item.TryGetProperty("get", out _) && item.TryGetProperty("patch", out _) && item.TryGetProperty("delete", out _));

        var response = await app.Client().GetAsync($"{Api}/listings/6");
        var problem = await response.AssertJson(HttpStatusCode.NotFound);
        Assert.Equal("not_found", problem.GetProperty("code").GetString());
        Assert.Contains("slug", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_slug_always_contains_a_letter()
    {
        for (var i = 0; i < 500; i++)
        {
            var slug = Marketplace.Api.Features.Listings.Create.Slug.From("2024 1999");
            Assert.Matches("[a-z]", slug);
            Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", slug);
        }
    }

    [Fact]
    public async Task The_Stripe_webhook_documents_its_envelope_its_signature_header_and_the_handled_types()
    {
        var doc = await DocumentAsync();
        var operation = doc.GetProperty("paths").GetProperty($"{Api}/webhooks/stripe").GetProperty("post");
        var signature = operation.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Stripe-Signature");
        Assert.Equal("header", signature.GetProperty("in").GetString());
        Assert.True(signature.GetProperty("required").GetBoolean());
        var envelope = operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.Equal("#/components/schemas/WebhooksStripeEventEnvelope", envelope.GetProperty("$ref").GetString());
        var description = operation.GetProperty("description").GetString()!;
        foreach (var type in Marketplace.Api.Features.Webhooks.Stripe.EventEnvelope.HandledTypes)
        {
            Assert.True(Marketplace.Api.Payments.StripeEvents.Events.IsHandled(type), $"{type} is handled");
            Assert.Contains(type, description, StringComparison.Ordinal);
        }
        Assert.False(Marketplace.Api.Payments.StripeEvents.Events.IsHandled("customer.created"));
    }

    [Fact]
    public async Task Every_property_has_a_one_line_description()
    {
        var doc = await DocumentAsync();
        var missing = doc.GetProperty("components").GetProperty("schemas").EnumerateObject()
            .SelectMany(s => s.Value.TryGetProperty("properties", out var properties) ? properties.EnumerateObject().Select(p => (Schema: s.Name, p.Name, p.Value)) : [])
            .Where(p => !p.Value.TryGetProperty("description", out var d) || string.IsNullOrWhiteSpace(d.GetString()))
            .Select(p => $"{p.Schema}.{p.Name}")
            .ToList();
        Assert.True(missing.Count == 0, "add a /// <summary> to the model or a line to FieldGlossary: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task No_component_is_unused()
    {
        var doc = await DocumentAsync();
        var text = doc.GetRawText();
        foreach (var schema in doc.GetProperty("components").GetProperty("schemas").EnumerateObject())
        {
            Assert.Contains($"\"#/components/schemas/{schema.Name}\"", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_Scalar_reference_is_served_at_docs()
    {
        var response = await app.Factory.CreateClient().GetAsync("/docs");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Scalar resolves the relative source against the site root: /openapi/v1.json
        Assert.Contains("\"url\":\"openapi/v1.json\"", html, StringComparison.Ordinal);
    }
}

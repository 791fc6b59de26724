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
                if (operation.Value.TryGetProperty("security", out _))
                {
                    Assert.True(responses.TryGetProperty("401", out _), $"{operation.Name.ToUpperInvariant()} {path.Name} documents its 401");
                }
            }
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

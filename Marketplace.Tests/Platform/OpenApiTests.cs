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
                Assert.True(operation.Value.GetProperty("responses").EnumerateObject().Any(),
                    $"{operation.Name.ToUpperInvariant()} {path.Name} documents its responses");
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

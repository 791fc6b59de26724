using System.Net;
using FastEndpoints;
using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Platform;

/// <summary>
/// The two hottest public reads run outside FastEndpoints' per-request pipeline (Infrastructure/DirectReads.cs)
/// while FastEndpoints still declares and documents them. Their behaviour is covered by the listing,
/// search and conditional-request tests, which all go through the direct path; this checks the wiring.
/// </summary>
public sealed class DirectReadsTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public void Only_browse_and_the_single_listing_are_direct_reads_and_both_keep_their_FastEndpoints_definition()
    {
        var endpoints = app.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<DirectRead>() is not null)
            .ToList();

        Assert.Equal(
            ["api/v1/marketplace/listings", "api/v1/marketplace/listings/{slug:regex(\\D)}"],
            endpoints.Select(e => e.RoutePattern.RawText!.TrimStart('/')).Order(StringComparer.Ordinal));
        Assert.All(endpoints, e =>
        {
            Assert.NotNull(e.Metadata.GetMetadata<EndpointDefinition>());
            Assert.Equal(["GET"], e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods);
        });
    }

    [Fact]
    public async Task Both_direct_reads_stay_in_the_document_with_their_parameters()
    {
        var doc = await (await app.Client().GetAsync("/openapi/v1.json")).AssertJson(HttpStatusCode.OK);
        var paths = doc.GetProperty("paths");

        var browse = paths.GetProperty("/api/v1/marketplace/listings").GetProperty("get");
        Assert.Equal("Browse listings", browse.GetProperty("summary").GetString());
        Assert.Contains(browse.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "availableFrom");
        var single = paths.GetProperty("/api/v1/marketplace/listings/{idOrSlug}").GetProperty("get");
        Assert.Equal("View a listing", single.GetProperty("summary").GetString());
        Assert.True(single.GetProperty("responses").TryGetProperty("404", out _));
    }

    [Fact]
    public async Task A_value_the_binder_cannot_read_fails_before_validation_as_FastEndpoints_answers_it()
    {
        // availableTo alone would also fail the validator ("go together"); FastEndpoints stops at the binding failure
        var response = await app.Client().GetAsync("/api/v1/marketplace/listings?limit=abc&availableTo=2030-01-01T00:00:00Z");

        var problem = await response.AssertValidationError("limit");
        Assert.False(problem.GetProperty("errors").TryGetProperty("availableFrom", out _));
    }
}

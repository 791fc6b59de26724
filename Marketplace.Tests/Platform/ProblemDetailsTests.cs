using System.Net;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Platform;

public sealed class ProblemDetailsTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task An_unknown_route_is_a_404_problem()
    {
        var response = await app.Client().GetAsync("/api/v1/marketplace/no-such-thing");
        await response.AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_wrong_verb_is_a_405_problem_with_the_allowed_verbs()
    {
        var response = await app.Client().PutAsync("/api/v1/marketplace/auth/me", null);
        await response.AssertProblem(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Equal(["DELETE", "GET", "PATCH"], response.Content.Headers.Allow.Order());
    }

    [Fact]
    public async Task A_body_without_a_media_type_is_a_415_problem()
    {
        var response = await app.Client().PostAsync("/api/v1/marketplace/auth/login", null);
        await response.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");

        var bytes = new ByteArrayContent("""{"email":"a@example.test","password":"x"}"""u8.ToArray());
        await (await app.Client().PostAsync("/api/v1/marketplace/auth/login", bytes)).AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task A_body_of_another_media_type_is_a_415_problem()
    {
        var response = await app.Client().PostAsync("/api/v1/marketplace/auth/login", new StringContent("email=a@example.test", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));
        await response.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        var xml = await app.Client().PostAsync("/api/v1/marketplace/auth/register", new StringContent("<a/>", System.Text.Encoding.UTF8, "application/xml"));
        await xml.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task Malformed_JSON_is_a_400_problem()
    {
        var response = await app.Client().PostAsync("/api/v1/marketplace/auth/register",
            new StringContent("""{ "email": "a@example.test", "password": """, System.Text.Encoding.UTF8, "application/json"));

        var json = await response.AssertProblem(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(json.GetProperty("errors").EnumerateObject().Any(), "the problem says what could not be read");
    }

    [Fact]
    public async Task An_unhandled_exception_is_a_500_problem_without_the_stack_trace()
    {
        using var host = app.Factory.WithWebHostBuilder(b => b.ConfigureServices(s =>
            s.AddTransient<IStartupFilter, ThrowingRoute>()));

        var response = await host.CreateClient().GetAsync("/__test/throw");

        var json = await response.AssertProblem(HttpStatusCode.InternalServerError, "internal_error");
        var body = json.GetRawText();
        Assert.DoesNotContain("secret-internal-detail", body, StringComparison.Ordinal);
        Assert.DoesNotContain("ThrowingRoute", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
    }

    /// <summary>Adds, after the whole app pipeline, a route that fails the way a bug would.</summary>
    private sealed class ThrowingRoute : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Map("/__test/throw", b => b.Run(_ => throw new InvalidOperationException("secret-internal-detail")));
        };
    }
}

using System.Net;
using LinqToDB;
using Marketplace.Api.Infrastructure;
using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Platform;

/// <summary>
/// The authorization plumbing later slices rely on (Policies.VerifiedEmail, Policies.Provider),
/// checked through two probe routes that only this test host has.
/// </summary>
public sealed class AuthorizationPolicyTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task An_unverified_user_is_403_email_not_verified()
    {
        var user = await app.CreateAsync(verified: false);
        using var host = ProbeHost();
        await (await GetAsync(host, "/__test/verified", user.AccessToken)).AssertProblem(HttpStatusCode.Forbidden, "email_not_verified");
    }

    [Fact]
    public async Task A_verified_user_passes_the_verified_email_policy()
    {
        var user = await app.CreateAsync(verified: true);
        using var host = ProbeHost();
        var response = await GetAsync(host, "/__test/verified", user.AccessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Verifying_the_email_takes_effect_on_the_next_request()
    {
        var user = await app.CreateAsync(verified: false);
        using var host = ProbeHost();
        await (await GetAsync(host, "/__test/verified", user.AccessToken)).AssertProblem(HttpStatusCode.Forbidden, "email_not_verified");
        using (var db = app.Db())
        {
            await db.Users.Where(u => u.Id == user.Id).Set(u => u.EmailVerified, true).UpdateAsync();
        }
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(host, "/__test/verified", user.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task A_user_without_a_provider_is_403_not_a_provider()
    {
        var user = await app.CreateAsync();
        using var host = ProbeHost();
        await (await GetAsync(host, "/__test/provider", user.AccessToken)).AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
    }

    [Fact]
    public async Task A_provider_passes_the_provider_policy()
    {
        var provider = await app.CreateProviderAsync();
        using var host = ProbeHost();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(host, "/__test/provider", provider.Owner.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task Without_a_token_the_policies_answer_401()
    {
        using var host = ProbeHost();
        await (await GetAsync(host, "/__test/verified", null)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await GetAsync(host, "/__test/provider", null)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    private WebApplicationFactory<Program> ProbeHost() =>
        app.Factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddTransient<IStartupFilter, ProbeRoutes>()));

    private static Task<HttpResponseMessage> GetAsync(WebApplicationFactory<Program> host, string path, string? accessToken) =>
        host.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Get, path)
        {
            Headers = { Authorization = accessToken is null ? null : new("Bearer", accessToken) },
        });

    /// <summary>Routes behind the two policies, appended after the app's own pipeline.</summary>
    private sealed class ProbeRoutes : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.UseRouting();
            app.UseAuthentication();
            app.UseAuthorization();
            app.UseEndpoints(e =>
            {
                e.MapGet("/__test/verified", (HttpContext http) => http.CurrentUser().Id.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .RequireAuthorization(Policies.VerifiedEmail);
                e.MapGet("/__test/provider", (HttpContext http) => http.CurrentUser().ProviderId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .RequireAuthorization(Policies.Provider);
            });
        };
    }
}

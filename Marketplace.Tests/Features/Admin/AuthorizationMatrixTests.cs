using System.Net;
using System.Net.Http.Json;
using LinqToDB;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Admin;

/// <summary>Every /admin route: 401 anonymous, 403 not_an_admin for a buyer and a provider, 401 for a suspended admin, open to an admin.</summary>
public sealed class AuthorizationMatrixTests(AppFixture app) : IClassFixture<AppFixture>
{
    /// <summary>Every admin route, with ids that do not exist (an admin gets past authorization to a 200 or a 404).</summary>
    public static TheoryData<string, string> Routes => new()
    {
        { "GET", "users" },
        { "GET", "users/999999999" },
        { "POST", "users/999999999/suspend" },
        { "POST", "users/999999999/reinstate" },
        { "POST", "providers/999999999/verify-tenant" },
        { "PUT", "providers/999999999/badges" },
        { "GET", "transactions" },
        { "POST", "transactions/999999999/cancel" },
        { "POST", "invoices/999999999/confirm-manual-payment" },
        { "GET", "payment-issues" },
        { "POST", "payment-issues/999999999/resolve" },
        { "GET", "audit" },
        { "GET", "metrics" },
        { "GET", "reviews" },
        { "POST", "reviews/999999999/remove" },
        { "POST", "reviews/999999999/restore" },
    };

    private static HttpRequestMessage Request(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), $"{AdminApi.Base}/{path}");
        if (method is "POST" or "PUT")
        {
            request.Content = JsonContent.Create(Body(path));
        }
        return request;
    }

    private static object Body(string path) => path switch
    {
        _ when path.EndsWith("/badges", StringComparison.Ordinal) => new { verifiedProvider = true, premiumProvider = false, reason = "matrix" },
        _ when path.EndsWith("/resolve", StringComparison.Ordinal) => new { action = "dismiss", note = "checked" },
        _ when path.EndsWith("/cancel", StringComparison.Ordinal) => new { reason = "matrix", refundPercent = 100 },
        _ => new { reason = "matrix" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Only_an_admin_gets_through(string method, string path)
    {
        await (await app.Client().SendAsync(Request(method, path))).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");

        var buyer = await app.CreateAsync();
        await (await app.Client(buyer.AccessToken).SendAsync(Request(method, path))).AssertProblem(HttpStatusCode.Forbidden, "not_an_admin");

        var provider = await app.CreateProviderAsync();
        await (await app.Client(provider.Owner.AccessToken).SendAsync(Request(method, path))).AssertProblem(HttpStatusCode.Forbidden, "not_an_admin");

        // a suspended admin's sessions are dead: every request of theirs is a 401, admin routes included
        var suspended = await app.CreateAdminAsync();
        using (var db = app.Db())
        {
            await db.Users.Where(u => u.Id == suspended.Id).Set(u => u.Status, "suspended").UpdateAsync();
        }
        await (await app.Client(suspended.AccessToken).SendAsync(Request(method, path))).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");

        // an admin whose flag was revoked is a plain user on the very next request
        var revoked = await app.CreateAdminAsync();
        using (var db = app.Db())
        {
            await db.Users.Where(u => u.Id == revoked.Id).Set(u => u.IsAdmin, false).UpdateAsync();
        }
        await (await app.Client(revoked.AccessToken).SendAsync(Request(method, path))).AssertProblem(HttpStatusCode.Forbidden, "not_an_admin");

        var admin = await app.CreateAdminAsync();
        var response = await app.Client(admin.AccessToken).SendAsync(Request(method, path));
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound,
            $"{method} {path} answered {(int)response.StatusCode} to an admin: {await response.Content.ReadAsStringAsync()}");
    }
}

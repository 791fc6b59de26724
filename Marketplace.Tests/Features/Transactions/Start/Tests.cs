using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Transactions.Start;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Url(long id) => $"{TestBookings.Api}/transactions/{id}/start";

    [Fact]
    public async Task The_provider_starts_a_paid_booking()
    {
        var booking = await app.BookAsync();
        await app.PayAsync(booking);
        var json = await (await booking.ProviderApi(app).PostAsync(Url(booking.TransactionId), null)).AssertJson(HttpStatusCode.OK);
        Assert.Equal("in_progress", json.GetProperty("status").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, json.GetProperty("startedAt").ValueKind);
        using var db = app.Db();
        Assert.True(await db.AuditLog.AnyAsync(a => a.EntityType == "transaction" && a.EntityId == booking.TransactionId
            && a.Action == "started" && a.FromStatus == "paid" && a.ToStatus == "in_progress" && a.ActorUserId == booking.Provider.Owner.Id));
    }

    [Fact]
    public async Task An_unpaid_or_started_booking_cannot_be_started()
    {
        var booking = await app.BookAsync();
        var http = booking.ProviderApi(app);
        await (await http.PostAsync(Url(booking.TransactionId), null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
        await app.PayAsync(booking);
        await (await http.PostAsync(Url(booking.TransactionId), null)).AssertJson(HttpStatusCode.OK);
        await (await http.PostAsync(Url(booking.TransactionId), null)).AssertProblem(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task Only_the_provider_starts_it()
    {
        var booking = await app.BookAsync();
        await app.PayAsync(booking);
        await (await booking.ClientApi(app).PostAsync(Url(booking.TransactionId), null)).AssertProblem(HttpStatusCode.Forbidden, "not_transaction_provider");
        var stranger = await app.CreateProviderAsync();
        await (await app.Client(stranger.Owner.AccessToken).PostAsync(Url(booking.TransactionId), null)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client().PostAsync(Url(booking.TransactionId), null)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}

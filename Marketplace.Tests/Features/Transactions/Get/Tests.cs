using System.Net;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Transactions.Get;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Both_parties_see_the_booking_with_their_role()
    {
        var booking = await app.BookAsync();
        var url = $"{TestBookings.Api}/transactions/{booking.TransactionId}";

        var asClient = await (await booking.ClientApi(app).GetAsync(url)).AssertJson(HttpStatusCode.OK);
        var asProvider = await (await booking.ProviderApi(app).GetAsync(url)).AssertJson(HttpStatusCode.OK);

        Assert.Equal(("client", "invoiced"), (asClient.GetProperty("role").GetString(), asClient.GetProperty("status").GetString()));
        Assert.Equal("provider", asProvider.GetProperty("role").GetString());
        Assert.Equal(booking.ListingId, asClient.GetProperty("listingId").GetInt32());
        Assert.False(string.IsNullOrEmpty(asClient.GetProperty("providerBusinessName").GetString()));
        Assert.Equal(booking.InvoiceId, asClient.GetProperty("invoice").GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Anyone_else_gets_404_and_no_token_401()
    {
        var booking = await app.BookAsync();
        var url = $"{TestBookings.Api}/transactions/{booking.TransactionId}";
        var stranger = await app.CreateAsync();
        await (await app.Client(stranger.AccessToken).GetAsync(url)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client(stranger.AccessToken).GetAsync($"{TestBookings.Api}/transactions/{long.MaxValue}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await app.Client(stranger.AccessToken).GetAsync($"{TestBookings.Api}/transactions/0")).AssertValidationError("id");
        await (await app.Client().GetAsync(url)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}

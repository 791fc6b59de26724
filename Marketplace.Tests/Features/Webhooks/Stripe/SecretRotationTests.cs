using System.Net;
using Marketplace.Tests.Infrastructure;

namespace Marketplace.Tests.Features.Webhooks.Stripe;

/// <summary>Signing secrets are rolled without a gap: both verify during the overlap, the old one stops when it is removed.</summary>
public sealed class SecretRotationTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Old = "whsec_rotation_old_0123456789";
    private const string New = "whsec_rotation_new_0123456789";
    private const string ConnectOld = "whsec_rotation_connect_old_0123";
    private const string ConnectNew = "whsec_rotation_connect_new_0123";

    private static async Task<string> OutcomeAsync(HttpResponseMessage response) =>
        (await response.AssertJson(HttpStatusCode.OK)).GetProperty("outcome").GetString()!;

    [Fact]
    public async Task During_the_overlap_events_signed_by_either_secret_are_accepted_and_after_it_the_old_one_is_refused()
    {
        using var overlap = app.Isolated(settings: new Dictionary<string, string?>
        {
            ["Marketplace:Stripe:WebhookSecret"] = "",
            ["Marketplace:Stripe:ConnectWebhookSecret"] = "",
            ["Marketplace:Stripe:WebhookSecrets:0"] = Old,
            ["Marketplace:Stripe:WebhookSecrets:1"] = New,
            ["Marketplace:Stripe:ConnectWebhookSecrets:0"] = ConnectOld,
            ["Marketplace:Stripe:ConnectWebhookSecrets:1"] = ConnectNew,
        });
        foreach (var secret in new[] { Old, New, ConnectOld, ConnectNew })
        {
            Assert.Equal("ignored", await OutcomeAsync(await app.PostWebhookAsync(TestBookings.CustomerCreatedEvent(), secret, client: overlap.CreateClient())));
        }
        await (await app.PostWebhookAsync(TestBookings.CustomerCreatedEvent(), "whsec_never_configured", client: overlap.CreateClient()))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid_signature");

        // the old secrets removed: only the new ones verify
        using var after = app.Isolated(settings: new Dictionary<string, string?>
        {
            ["Marketplace:Stripe:WebhookSecret"] = New,
            ["Marketplace:Stripe:ConnectWebhookSecret"] = ConnectNew,
        });
        Assert.Equal("ignored", await OutcomeAsync(await app.PostWebhookAsync(TestBookings.CustomerCreatedEvent(), New, client: after.CreateClient())));
        Assert.Equal("ignored", await OutcomeAsync(await app.PostWebhookAsync(TestBookings.CustomerCreatedEvent(), ConnectNew, client: after.CreateClient())));
        await (await app.PostWebhookAsync(TestBookings.CustomerCreatedEvent(), Old, client: after.CreateClient())).AssertProblem(HttpStatusCode.BadRequest, "invalid_signature");
        await (await app.PostWebhookAsync(TestBookings.CustomerCreatedEvent(), ConnectOld, client: after.CreateClient())).AssertProblem(HttpStatusCode.BadRequest, "invalid_signature");
    }

    [Fact]
    public async Task The_single_value_keys_take_a_comma_separated_list_of_secrets()
    {
        using var host = app.Isolated(settings: new Dictionary<string, string?>
        {
            ["Marketplace:Stripe:WebhookSecret"] = $"{Old}, {New}",
            ["Marketplace:Stripe:ConnectWebhookSecret"] = ConnectNew,
        });
        Assert.Equal("ignored", await OutcomeAsync(await app.PostWebhookAsync(TestBookings.CustomerCreatedEvent(), Old, client: host.CreateClient())));
        Assert.Equal("ignored", await OutcomeAsync(await app.PostWebhookAsync(TestBookings.CustomerCreatedEvent(), New, client: host.CreateClient())));
        Assert.Equal("ignored", await OutcomeAsync(await app.PostWebhookAsync(TestBookings.CustomerCreatedEvent(), ConnectNew, client: host.CreateClient())));
        await (await app.PostWebhookAsync(TestBookings.CustomerCreatedEvent(), FakeStripeSecret, client: host.CreateClient())).AssertProblem(HttpStatusCode.BadRequest, "invalid_signature");
    }

    private const string FakeStripeSecret = Infrastructure.Stripe.FakeStripe.WebhookSecret;
}

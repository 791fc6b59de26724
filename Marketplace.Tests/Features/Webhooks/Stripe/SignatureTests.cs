using System.Text;
using Marketplace.Api.Features.Webhooks.Stripe;
using Marketplace.Tests.Infrastructure.Stripe;

namespace Marketplace.Tests.Features.Webhooks.Stripe;

/// <summary>Stripe's signature scheme, checked against Stripe.net's own signer and by hand.</summary>
public sealed class SignatureTests
{
    private const string Payload = """{"id":"evt_1","object":"event"}""";
    private static readonly string[] Secrets = [FakeStripe.WebhookSecret, FakeStripe.ConnectWebhookSecret];
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static bool Valid(string? header, string payload = Payload) => Signature.IsValid(header, Encoding.UTF8.GetBytes(payload), Secrets, Now);

    [Fact]
    public void A_header_made_by_Stripe_net_verifies_with_either_secret()
    {
        Assert.True(Valid(global::Stripe.EventUtility.GenerateSignatureHeader(Payload, FakeStripe.WebhookSecret, Now.ToUnixTimeSeconds())));
        Assert.True(Valid(global::Stripe.EventUtility.GenerateSignatureHeader(Payload, FakeStripe.ConnectWebhookSecret, Now.ToUnixTimeSeconds())));
        Assert.True(Valid(FakeStripe.SignatureHeader(Payload, FakeStripe.WebhookSecret, Now)));
    }

    [Fact]
    public void Another_secret_a_changed_body_or_a_changed_timestamp_does_not_verify()
    {
        Assert.False(Valid(FakeStripe.SignatureHeader(Payload, "whsec_someone_else", Now)));
        Assert.False(Valid(FakeStripe.SignatureHeader(Payload, FakeStripe.WebhookSecret, Now), Payload.Replace("evt_1", "evt_2", StringComparison.Ordinal)));
        var header = FakeStripe.SignatureHeader(Payload, FakeStripe.WebhookSecret, Now);
        Assert.False(Valid(header.Replace($"t={Now.ToUnixTimeSeconds()}", $"t={Now.ToUnixTimeSeconds() - 1}", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(-300, true)]
    [InlineData(-301, false)]
    [InlineData(300, true)]
    [InlineData(301, false)]
    public void The_timestamp_must_be_within_five_minutes(int offsetSeconds, bool valid) =>
        Assert.Equal(valid, Valid(FakeStripe.SignatureHeader(Payload, FakeStripe.WebhookSecret, Now.AddSeconds(offsetSeconds))));

    [Fact]
    public void One_good_v1_among_several_is_enough_as_while_a_secret_is_rolled()
    {
        var good = FakeStripe.SignatureHeader(Payload, FakeStripe.WebhookSecret, Now);
        var bad = FakeStripe.SignatureHeader(Payload, "whsec_old", Now);
        Assert.True(Valid($"{bad},{good.Split(',')[1]}"));
        Assert.True(Valid(good + ",v0=deadbeef"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("t=1800000000")]
    [InlineData("v1=00")]
    [InlineData("t=abc,v1=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("t=1800000000,v1=zz00000000000000000000000000000000000000000000000000000000000000")]
    public void A_malformed_header_does_not_verify(string? header) => Assert.False(Valid(header));

    [Fact]
    public void Without_configured_secrets_nothing_verifies() =>
        Assert.False(Signature.IsValid(FakeStripe.SignatureHeader(Payload, FakeStripe.WebhookSecret, Now), Encoding.UTF8.GetBytes(Payload), [], Now));
}

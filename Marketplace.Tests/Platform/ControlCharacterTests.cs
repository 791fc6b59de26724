using System.Net;
using System.Text;
using System.Text.Json;
using Marketplace.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Marketplace.Tests.Platform;

/// <summary>
/// Strict input: a control character (NUL first of all: PostgreSQL cannot store it) in any text of
/// any request is 400 validation_failed naming the field, never a 500, on every operation that
/// takes text: bodies, query strings and route values alike.
/// </summary>
public sealed class ControlCharacterTests(AppFixture app, ITestOutputHelper output) : IClassFixture<AppFixture>
{
    private const string Api = "/api/v1/marketplace";

    private sealed record Case(string Operation, HttpMethod Method, string Url, string? Json, string Field, string? Token);

    [Fact]
    public async Task A_NUL_in_any_text_of_any_operation_is_a_400_naming_the_field()
    {
        var client = await app.CreateAsync();
        var newcomer = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var pending = await app.CreateTransactionAsync(client, provider, listingId, status: "pending");
        var completed = await app.CreateTransactionAsync(client, provider, listingId, status: "completed");
        var unreviewed = await app.CreateTransactionAsync(client, provider, listingId, status: "completed");
        var review = await (await app.Client(client.AccessToken).PostJson($"{Api}/reviews",
            new { transactionId = completed, rating = 5, title = "Great", reviewText = "Lovely work" })).AssertJson(HttpStatusCode.Created);
        var reviewId = review.GetProperty("id").GetInt32();
        var thread = await (await app.Client(client.AccessToken).PostJson($"{Api}/messages/threads",
            new { providerId = provider.Id, subject = "Hello", body = "Are you free?" })).AssertJson(HttpStatusCode.Created);
        var threadId = thread.GetProperty("id").GetInt32();

        const string Nul = "\\u0000";
        Case[] cases =
        [
            new("register", HttpMethod.Post, "/auth/register", $$"""{"email":"a{{Nul}}@example.test","password":"Password-123!","firstName":"A","lastName":"B"}""", "email", null),
            new("login", HttpMethod.Post, "/auth/login", $$"""{"email":"a{{Nul}}@example.test","password":"Password-123!"}""", "email", null),
            new("forgot-password", HttpMethod.Post, "/auth/forgot-password", $$"""{"email":"a{{Nul}}@example.test"}""", "email", null),
            new("resend-verification", HttpMethod.Post, "/auth/resend-verification", $$"""{"email":"a{{Nul}}@example.test"}""", "email", null),
            new("reset-password", HttpMethod.Post, "/auth/reset-password", $$"""{"token":"abc{{Nul}}","newPassword":"Password-123!"}""", "token", null),
            new("verify-email", HttpMethod.Post, "/auth/verify-email", $$"""{"token":"abc{{Nul}}"}""", "token", null),
            new("refresh", HttpMethod.Post, "/auth/refresh", $$"""{"refreshToken":"abc{{Nul}}"}""", "refreshToken", null),
            new("browse (query)", HttpMethod.Get, "/listings?q=%00", null, "q", null),
            new("browse (city)", HttpMethod.Get, "/listings?city=Aus%00tin", null, "city", null),
            new("listing by slug (route)", HttpMethod.Get, "/listings/dog%01grooming", null, "slug", null),
            new("listing reviews (route)", HttpMethod.Get, "/listings/dog%01grooming/reviews", null, "slug", null),
            new("change-password", HttpMethod.Post, "/auth/change-password", $$"""{"currentPassword":"x{{Nul}}","newPassword":"Password-123!"}""", "currentPassword", client.AccessToken),
            new("update me", HttpMethod.Patch, "/auth/me", $$"""{"firstName":"Ada{{Nul}}"}""", "firstName", client.AccessToken),
            new("register provider", HttpMethod.Post, "/providers/register", $$"""{"businessName":"Paws{{Nul}}","providerType":"service_provider","paymentMode":"offline"}""", "businessName", newcomer.AccessToken),
            new("update provider", HttpMethod.Patch, "/providers/me", $$"""{"businessName":"Paws{{Nul}}"}""", "businessName", provider.Owner.AccessToken),
            new("create listing", HttpMethod.Post, "/listings", $$"""{"title":"Grooming{{Nul}}","category":"grooming"}""", "title", provider.Owner.AccessToken),
            new("update listing", HttpMethod.Patch, $"/listings/{listingId}", $$"""{"title":"Grooming{{Nul}}"}""", "title", provider.Owner.AccessToken),
            new("book", HttpMethod.Post, "/transactions", $$"""{"listingId":{{listingId}},"notes":"Gentle{{Nul}}"}""", "notes", client.AccessToken),
            new("my transactions (query)", HttpMethod.Get, "/transactions?status=paid%00", null, "status", client.AccessToken),
            new("invoice", HttpMethod.Post, $"/transactions/{pending}/invoice", $$"""{"servicePriceCents":1000,"notes":"Thanks{{Nul}}"}""", "notes", provider.Owner.AccessToken),
            new("cancel", HttpMethod.Post, $"/transactions/{pending}/cancel", $$"""{"reason":"Sick{{Nul}}"}""", "reason", client.AccessToken),
            new("review", HttpMethod.Post, "/reviews", $$"""{"transactionId":{{unreviewed}},"rating":5,"reviewText":"Good{{Nul}}"}""", "reviewText", client.AccessToken),
            new("respond to review", HttpMethod.Post, $"/reviews/{reviewId}/response", $$"""{"providerResponse":"Thanks{{Nul}}"}""", "providerResponse", provider.Owner.AccessToken),
            new("flag review", HttpMethod.Post, $"/reviews/{reviewId}/flag", $$"""{"reason":"Spam{{Nul}}"}""", "reason", provider.Owner.AccessToken),
            new("start thread", HttpMethod.Post, "/messages/threads", $$"""{"providerId":{{provider.Id}},"subject":"Hi{{Nul}}","body":"Hello"}""", "subject", client.AccessToken),
            new("send message", HttpMethod.Post, $"/messages/threads/{threadId}/messages", $$"""{"body":"Hello{{Nul}}"}""", "body", client.AccessToken),
        ];

        var wrong = new List<string>();
        foreach (var c in cases)
        {
            using var request = new HttpRequestMessage(c.Method, Api + c.Url);
            if (c.Json is not null)
            {
                request.Content = new StringContent(c.Json, Encoding.UTF8, "application/json");
            }
            var response = await app.Client(c.Token).SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            output.WriteLine($"{c.Operation}: {(int)response.StatusCode}");
            if (response.StatusCode != HttpStatusCode.BadRequest
                || JsonDocument.Parse(body).RootElement is var json && (json.GetProperty("code").GetString() != "validation_failed"
                    || !json.GetProperty("errors").TryGetProperty(c.Field, out _)))
            {
                wrong.Add($"{c.Operation}: {(int)response.StatusCode} {body}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Theory]
    [InlineData("Line one\nline two\ttabbed", true)]
    [InlineData("Windows line\r\nbreaks", true)]
    [InlineData("emoji \ud83d\udc36 and accents é", true)]
    [InlineData("nul \u0000", false)]
    [InlineData("lone carriage return \r over", false)]
    [InlineData("escape \u001b[31m", false)]
    [InlineData("delete \u007f", false)]
    [InlineData("C1 control \u0085", false)]
    public void Only_tab_line_feed_and_CRLF_are_allowed_among_control_characters(string text, bool allowed)
    {
        Assert.Equal(allowed, Marketplace.Api.Infrastructure.Text.IsAllowed(text));
    }

    [Fact]
    public void A_lone_surrogate_is_not_text()
    {
        Assert.False(Marketplace.Api.Infrastructure.Text.IsAllowed("lone " + (char)0xD800 + " surrogate"));
        Assert.False(Marketplace.Api.Infrastructure.Text.IsAllowed("reversed " + (char)0xDC36 + (char)0xD83D));
    }

    [Fact]
    public async Task A_multi_line_message_with_CRLF_line_breaks_is_accepted()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var response = await app.Client(client.AccessToken).PostJson($"{Api}/messages/threads",
            new { providerId = provider.Id, subject = "Hello", body = "Line one\r\nLine two\n\tindented" });
        var json = await response.AssertJson(HttpStatusCode.Created);
        Assert.Equal(provider.Id, json.GetProperty("otherParty").GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task A_control_character_in_a_nested_field_names_its_path()
    {
        var provider = await app.CreateProviderAsync();
        var response = await app.Client(provider.Owner.AccessToken).PatchJson($"{Api}/providers/me",
            new { businessHours = new { mon = new[] { new { open = "09:00\u0000", close = "17:00" } } } });
        await response.AssertValidationError("businessHours.mon[0].open");
    }
}

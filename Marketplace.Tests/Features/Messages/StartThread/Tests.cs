using System.Net;
using LinqToDB;
using LinqToDB.Async;
using Marketplace.Tests.Infrastructure;
using static Marketplace.Tests.Infrastructure.TestThreads;

namespace Marketplace.Tests.Features.Messages.StartThread;

public sealed class Tests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task A_client_starts_a_thread_with_a_provider_with_its_first_message()
    {
        var client = await app.CreateAsync(firstName: "Ada", lastName: "Lovelace");
        var provider = await app.CreateProviderAsync(businessName: "Happy Paws");

        var response = await app.Client(client.AccessToken).PostJson(ThreadsUrl,
            new { providerId = provider.Id, subject = "  Grooming on Saturday  ", body = "  Hello, is Saturday free?  " });

        var json = await response.AssertJson(HttpStatusCode.Created);
        var id = json.GetProperty("id").GetInt32();
        Assert.Equal("client", json.GetProperty("role").GetString());
        Assert.Equal("provider", json.GetProperty("otherParty").GetProperty("role").GetString());
        Assert.Equal(provider.Id, json.GetProperty("otherParty").GetProperty("id").GetInt32());
        Assert.Equal("Happy Paws", json.GetProperty("otherParty").GetProperty("name").GetString());
        Assert.Equal("Grooming on Saturday", json.GetProperty("subject").GetString());
        Assert.Equal("open", json.GetProperty("status").GetString());
        var message = json.GetProperty("message");
        Assert.Equal("Hello, is Saturday free?", message.GetProperty("body").GetString());
        Assert.Equal(client.Id, message.GetProperty("senderId").GetInt32());

        using var db = app.Db();
        var thread = await db.MessageThreads.SingleAsync(t => t.Id == id);
        Assert.Equal((client.Id, provider.Id, (int?)null, (long?)null), (thread.ClientId, thread.ProviderId, thread.ListingId, thread.TransactionId));
        Assert.Equal(1, thread.ProviderUnreadCount);
        Assert.Equal(0, thread.ClientUnreadCount);
        Assert.Equal("Hello, is Saturday free?", thread.LastMessagePreview);
        Assert.NotNull(thread.LastMessageAt);
        Assert.Equal(1, await db.Messages.CountAsync(m => m.ThreadId == id));
        var mail = await db.Outbox.SingleAsync(m => m.ToAddress == provider.Owner.Email);
        Assert.Equal("new_message", mail.Kind);
        Assert.Contains("Ada Lovelace", mail.Subject, StringComparison.Ordinal);
        Assert.Contains($"https://app.marketplace.test/messages/{id}", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starting_a_thread_about_a_listing_counts_one_inquiry_and_asking_again_returns_the_same_thread()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider, title: "Puppy training");

        var first = await (await app.Client(client.AccessToken).PostJson(ThreadsUrl, new { listingId, body = "Do you train beagles?" }))
            .AssertJson(HttpStatusCode.Created);
        var again = await (await app.Client(client.AccessToken).PostJson(ThreadsUrl, new { listingId, providerId = provider.Id, body = "And on Sundays?" }))
            .AssertJson(HttpStatusCode.OK);

        var id = first.GetProperty("id").GetInt32();
        Assert.Equal(id, again.GetProperty("id").GetInt32());
        Assert.Equal("Puppy training", first.GetProperty("subject").GetString());
        Assert.Equal(listingId, first.GetProperty("listingId").GetInt32());
        Assert.Equal("And on Sundays?", again.GetProperty("message").GetProperty("body").GetString());
        using var db = app.Db();
        Assert.Equal(1, await db.Listings.Where(l => l.Id == listingId).Select(l => l.InquiryCount).SingleAsync());
        Assert.Equal(2, await db.Messages.CountAsync(m => m.ThreadId == id));
        Assert.Equal(2, await db.MessageThreads.Where(t => t.Id == id).Select(t => t.ProviderUnreadCount).SingleAsync());

        // another client's question is another thread and another inquiry
        var other = await app.CreateAsync();
        await app.StartThreadAsync(other, provider, listingId);
        Assert.Equal(2, await db.Listings.Where(l => l.Id == listingId).Select(l => l.InquiryCount).SingleAsync());
    }

    [Fact]
    public async Task An_identical_retry_returns_the_existing_thread_and_message_without_a_duplicate()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var request = new { providerId = provider.Id, body = "Are you open on Monday?" };

        var first = await (await app.Client(client.AccessToken).PostJson(ThreadsUrl, request)).AssertJson(HttpStatusCode.Created);
        var retry = await (await app.Client(client.AccessToken).PostJson(ThreadsUrl, request)).AssertJson(HttpStatusCode.OK);

        Assert.Equal(first.GetProperty("id").GetInt32(), retry.GetProperty("id").GetInt32());
        Assert.Equal(first.GetProperty("message").GetProperty("id").GetInt64(), retry.GetProperty("message").GetProperty("id").GetInt64());
        using var db = app.Db();
        Assert.Equal(1, await db.Messages.CountAsync(m => m.ThreadId == first.GetProperty("id").GetInt32()));
    }

    [Fact]
    public async Task Two_concurrent_first_questions_about_a_listing_make_one_thread_and_one_inquiry()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);

        var responses = await Task.WhenAll(
            app.Client(client.AccessToken).PostJson(ThreadsUrl, new { listingId, body = "First question" }),
            app.Client(client.AccessToken).PostJson(ThreadsUrl, new { listingId, body = "Second question" }));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Created], responses.Select(r => r.StatusCode).Order());
        using var db = app.Db();
        var threads = await db.MessageThreads.Where(t => t.ClientId == client.Id).ToListAsync();
        Assert.Single(threads);
        Assert.Equal(2, await db.Messages.CountAsync(m => m.ThreadId == threads[0].Id));
        Assert.Equal(2, threads[0].ProviderUnreadCount);
        Assert.Equal(1, await db.Listings.Where(l => l.Id == listingId).Select(l => l.InquiryCount).SingleAsync());
    }

    [Fact]
    public async Task A_general_thread_a_listing_thread_and_a_booking_thread_are_separate_topics()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        var transactionId = await app.CreateTransactionAsync(client, provider, listingId, status: "paid");

        var general = await app.StartThreadAsync(client, provider);
        var aboutListing = await app.StartThreadAsync(client, provider, listingId);
        var aboutBooking = await (await app.Client(client.AccessToken).PostJson(ThreadsUrl, new { transactionId, body = "See you at 10." }))
            .AssertJson(HttpStatusCode.Created);

        Assert.Equal(3, new[] { general, aboutListing, aboutBooking.GetProperty("id").GetInt32() }.Distinct().Count());
        Assert.Equal(transactionId, aboutBooking.GetProperty("transactionId").GetInt64());
        Assert.StartsWith("Test booking", aboutBooking.GetProperty("subject").GetString(), StringComparison.Ordinal);
        using var db = app.Db();
        Assert.Equal(1, await db.Listings.Where(l => l.Id == listingId).Select(l => l.InquiryCount).SingleAsync());
    }

    [Fact]
    public async Task A_closed_thread_does_not_stop_a_new_open_one_on_the_same_topic()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var closed = await app.StartThreadAsync(client, provider);
        using (var db = app.Db())
        {
            await db.MessageThreads.Where(t => t.Id == closed).Set(t => t.Status, "closed").UpdateAsync();
        }

        var reopened = await app.StartThreadAsync(client, provider);

        Assert.NotEqual(closed, reopened);
    }

    [Fact]
    public async Task A_client_cannot_start_a_thread_about_someone_elses_transaction()
    {
        var owner = await app.CreateAsync();
        var intruder = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var transactionId = await app.CreateTransactionAsync(owner, provider);

        var response = await app.Client(intruder.AccessToken).PostJson(ThreadsUrl, new { transactionId, body = "Hi" });

        await response.AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_provider_starts_a_thread_with_a_client_they_have_a_transaction_with()
    {
        var client = await app.CreateAsync(firstName: "Grace", lastName: "Hopper");
        var provider = await app.CreateProviderAsync();
        await app.CreateTransactionAsync(client, provider, status: "cancelled");

        var json = await (await app.Client(provider.Owner.AccessToken).PostJson(ThreadsUrl, new { clientId = client.Id, body = "Shall we reschedule?" }))
            .AssertJson(HttpStatusCode.Created);

        Assert.Equal("provider", json.GetProperty("role").GetString());
        Assert.Equal("client", json.GetProperty("otherParty").GetProperty("role").GetString());
        Assert.Equal(client.Id, json.GetProperty("otherParty").GetProperty("id").GetInt32());
        Assert.Equal("Grace Hopper", json.GetProperty("otherParty").GetProperty("name").GetString());
        using var db = app.Db();
        var thread = await db.MessageThreads.SingleAsync(t => t.Id == json.GetProperty("id").GetInt32());
        Assert.Equal((client.Id, provider.Id, 1, 0), (thread.ClientId, thread.ProviderId, thread.ClientUnreadCount, thread.ProviderUnreadCount));
        Assert.Equal(1, await db.Outbox.CountAsync(m => m.ToAddress == client.Email && m.Kind == "new_message"));
    }

    [Fact]
    public async Task A_provider_thread_about_their_own_listing_counts_no_inquiry()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);
        await app.CreateTransactionAsync(client, provider, listingId);

        await (await app.Client(provider.Owner.AccessToken).PostJson(ThreadsUrl, new { clientId = client.Id, listingId, body = "A new slot opened." }))
            .AssertJson(HttpStatusCode.Created);

        using var db = app.Db();
        Assert.Equal(0, await db.Listings.Where(l => l.Id == listingId).Select(l => l.InquiryCount).SingleAsync());
    }

    [Fact]
    public async Task A_provider_cannot_start_a_thread_with_a_user_who_never_booked_them()
    {
        var stranger = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var otherProvider = await app.CreateProviderAsync();
        var booking = await app.CreateTransactionAsync(stranger, otherProvider);

        var noBooking = await app.Client(provider.Owner.AccessToken).PostJson(ThreadsUrl, new { clientId = stranger.Id, body = "Special offer!" });
        var othersBooking = await app.Client(provider.Owner.AccessToken).PostJson(ThreadsUrl, new { clientId = stranger.Id, transactionId = booking, body = "Hi" });

        await noBooking.AssertProblem(HttpStatusCode.NotFound, "not_found");
        await othersBooking.AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Writing_to_a_client_requires_being_a_provider()
    {
        var user = await app.CreateAsync();
        var client = await app.CreateAsync();

        var response = await app.Client(user.AccessToken).PostJson(ThreadsUrl, new { clientId = client.Id, body = "Hi" });

        await response.AssertProblem(HttpStatusCode.Forbidden, "not_a_provider");
    }

    [Fact]
    public async Task Nobody_starts_a_thread_with_themselves()
    {
        var provider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);

        var toOwnBusiness = await app.Client(provider.Owner.AccessToken).PostJson(ThreadsUrl, new { providerId = provider.Id, body = "Hi me" });
        var aboutOwnListing = await app.Client(provider.Owner.AccessToken).PostJson(ThreadsUrl, new { listingId, body = "Hi me" });
        var toSelfAsClient = await app.Client(provider.Owner.AccessToken).PostJson(ThreadsUrl, new { clientId = provider.Owner.Id, body = "Hi me" });

        await toOwnBusiness.AssertProblem(HttpStatusCode.BadRequest, "cannot_message_yourself");
        await aboutOwnListing.AssertProblem(HttpStatusCode.BadRequest, "cannot_message_yourself");
        await toSelfAsClient.AssertProblem(HttpStatusCode.BadRequest, "cannot_message_yourself");
    }

    [Fact]
    public async Task Unknown_or_unpublished_targets_are_404()
    {
        var client = await app.CreateAsync();
        var pending = await app.CreateProviderAsync(status: "pending");
        var provider = await app.CreateProviderAsync();
        var draft = await app.CreateListingAsync(provider, status: "draft");
        var http = app.Client(client.AccessToken);

        await (await http.PostJson(ThreadsUrl, new { providerId = int.MaxValue, body = "Hi" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await http.PostJson(ThreadsUrl, new { providerId = pending.Id, body = "Hi" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await http.PostJson(ThreadsUrl, new { listingId = draft, body = "Hi" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
        await (await http.PostJson(ThreadsUrl, new { transactionId = long.MaxValue, body = "Hi" })).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_provider_id_that_contradicts_the_listing_is_a_validation_error()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var otherProvider = await app.CreateProviderAsync();
        var listingId = await app.CreateListingAsync(provider);

        var response = await app.Client(client.AccessToken).PostJson(ThreadsUrl, new { listingId, providerId = otherProvider.Id, body = "Hi" });

        await response.AssertValidationError("providerId");
    }

    [Theory]
    [InlineData("body", null)]
    [InlineData("body", "   ")]
    [InlineData("body", "x5001")]
    [InlineData("subject", "x201")]
    public async Task Invalid_text_is_rejected(string field, string? value)
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();
        var text = value is ['x', ..] ? new string('a', int.Parse(value[1..], System.Globalization.CultureInfo.InvariantCulture)) : value;
        object request = field == "body" ? new { providerId = provider.Id, body = text } : new { providerId = provider.Id, body = "Hi", subject = text };

        var response = await app.Client(client.AccessToken).PostJson(ThreadsUrl, request);

        await response.AssertValidationError(field);
    }

    [Fact]
    public async Task A_body_of_exactly_5000_characters_is_accepted()
    {
        var client = await app.CreateAsync();
        var provider = await app.CreateProviderAsync();

        var response = await app.Client(client.AccessToken).PostJson(ThreadsUrl, new { providerId = provider.Id, body = new string('a', 5000) });

        var json = await response.AssertJson(HttpStatusCode.Created);
        using var db = app.Db();
        var preview = await db.MessageThreads.Where(t => t.Id == json.GetProperty("id").GetInt32()).Select(t => t.LastMessagePreview).SingleAsync();
        Assert.Equal(200, preview!.Length);
        Assert.EndsWith("…", preview, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_recipient_and_the_topic_must_be_named_consistently()
    {
        var client = await app.CreateAsync();
        var http = app.Client(client.AccessToken);

        await (await http.PostJson(ThreadsUrl, new { body = "Hi" })).AssertValidationError("providerId");
        await (await http.PostJson(ThreadsUrl, new { providerId = 1, clientId = 2, body = "Hi" })).AssertValidationError("clientId");
        await (await http.PostJson(ThreadsUrl, new { listingId = 1, transactionId = 2, body = "Hi" })).AssertValidationError("transactionId");
        await (await http.PostJson(ThreadsUrl, new { providerId = 0, body = "Hi" })).AssertValidationError("providerId");
    }

    [Fact]
    public async Task Starting_a_thread_needs_a_token_and_a_verified_email()
    {
        var unverified = await app.CreateAsync(verified: false);
        var provider = await app.CreateProviderAsync();

        var anonymous = await app.Client().PostJson(ThreadsUrl, new { providerId = provider.Id, body = "Hi" });
        var notVerified = await app.Client(unverified.AccessToken).PostJson(ThreadsUrl, new { providerId = provider.Id, body = "Hi" });

        await anonymous.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await notVerified.AssertProblem(HttpStatusCode.Forbidden, "email_not_verified");
    }
}

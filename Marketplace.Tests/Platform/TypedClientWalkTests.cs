using System.Diagnostics;
using Marketplace.Tests.Infrastructure;
using Marketplace.Tests.Infrastructure.Stripe;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Marketplace.Tests.Platform;

/// <summary>
/// The typed client generated from the OpenAPI document (tooling/openapi, compiled by
/// scripts/check-openapi.sh with tsc --strict) walks the marketplace against the API on a real
/// port: register, verify, provider, Stripe Connect, listing, browse, book, invoice, Checkout,
/// signed webhooks, start, complete, review, respond, messages, dashboard. What only a test can do
/// (read the mailbox, play the client paying on Stripe's page) the walk asks of the hooks served here.
/// </summary>
public sealed class TypedClientWalkTests(AppFixture app, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<AppFixture>
{
    private static readonly TimeSpan WalkTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task The_typed_client_walks_from_registration_to_the_dashboard()
    {
        var root = RepositoryRoot();
        var walk = Path.Combine(root, "tooling", "openapi", "build", "js", "walk.js");
        Assert.True(File.Exists(walk), $"{walk} is missing: run scripts/check-openapi.sh (scripts/test.sh runs it before the tests)");

        await using var api = app.Isolated();
        api.UseKestrel(AppFixture.FreePort());
        api.StartServer();
        var apiBase = api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        await using var hooks = await StartHooksAsync();
        var hooksBase = hooks.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var start = new ProcessStartInfo("node", walk)
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["API_BASE"] = apiBase.TrimEnd('/'),
                ["HOOKS_BASE"] = hooksBase.TrimEnd('/'),
                ["WEBHOOK_SECRET"] = FakeStripe.WebhookSecret,
                ["CONNECT_WEBHOOK_SECRET"] = FakeStripe.ConnectWebhookSecret,
            },
        };
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node could not be started (Node.js 20+ must be installed)");
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(WalkTimeout);
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
        }
        var log = await stdout + await stderr;
        output.WriteLine(log);
        Assert.True(node.HasExited && node.ExitCode == 0, $"the walk failed (exit {(node.HasExited ? node.ExitCode : -1)}):\n{log}");
        Assert.Contains("walk finished", log, StringComparison.Ordinal);
    }

    /// <summary>Test-only hooks for the walk: a verification token from the mailbox; Stripe's side of onboarding and paying.</summary>
    private async Task<WebApplication> StartHooksAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var web = builder.Build();
        web.MapGet("/verification-token", async (string email) => Results.Text(await app.Smtp.WaitForVerificationTokenAsync(email)));
        web.MapPost("/account-ready", (string account) =>
            Results.Text(TestBookings.AccountUpdatedEvent(account, chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true), "application/json"));
        web.MapPost("/checkout-paid", (string session) =>
        {
            app.Stripe.CompleteCheckoutSession(session);
            return Results.Text(app.Stripe.CheckoutEvent("checkout.session.completed", session), "application/json");
        });
        await web.StartAsync();
        return web;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Marketplace.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Marketplace.sln not found above " + AppContext.BaseDirectory);
    }
}

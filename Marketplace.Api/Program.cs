using Marketplace.Api.Payments.StripeEvents;
using Marketplace.Api.Infrastructure;

var builder = WebApplication.CreateBuilder(ReconcileCommand.HostArgs(args));

builder.AddMarketplaceOptions()
    .AddMarketplaceDatabase()
    .AddMarketplaceAuth()
    .AddMarketplaceApi();

var app = builder.Build();

if (ReconcileCommand.Matches(args))
{
    // the operators' command mode: one reconciliation, then exit (README: reconciliation)
    return await ReconcileCommand.RunAsync(app.Services, args, Console.Out, Console.Error);
}

app.UseMarketplace();

app.Run();
return 0;

/// <summary>Entry point; public for WebApplicationFactory in the tests.</summary>
public partial class Program;

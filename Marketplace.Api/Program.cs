using Marketplace.Api.Infrastructure;

var builder = WebApplication.CreateBuilder(args);

builder.AddMarketplaceOptions()
    .AddMarketplaceDatabase()
    .AddMarketplaceAuth()
    .AddMarketplaceApi();

var app = builder.Build();

app.UseMarketplace();

app.Run();

/// <summary>Entry point; public for WebApplicationFactory in the tests.</summary>
public partial class Program;

using Marketplace.Api.Infrastructure;
using Marketplace.Api.Payments.StripeEvents;

try
{
    // settings are read once, at start: no watcher of the content root's files (appsettings reload
    // watches the working directory recursively: `dotnet Marketplace.Api.dll` run in the repository
    // watched PostgreSQL's data directory in .data and spent a fifth of a core on the database's writes)
    var builder = WebApplication.CreateBuilder([.. ReconcileCommand.HostArgs(args), "--hostBuilder:reloadConfigOnChange=false"]);

    builder.AddMarketplaceOptions()
        .AddMarketplaceTelemetry()
        .AddMarketplaceDatabase()
        .AddMarketplaceAuth()
        .AddMarketplaceApi();

    var app = builder.Build();

    if (ReconcileCommand.Matches(args))
    {
        // the operators' command mode: one reconciliation, then exit (README: reconciliation)
        return await ReconcileCommand.RunAsync(app.Services, args, Console.Out, Console.Error);
    }

    app.WarnAboutUnknownSettings()
        .UseMarketplace();

    app.Run();
    return 0;
}
// run as its own process, a bad setting is one line and exit code 1; hosted by the tests'
// WebApplicationFactory, the exception goes on to the host that started us
catch (Exception ex) when (System.Reflection.Assembly.GetEntryAssembly() == typeof(Program).Assembly && StartupErrors.Describe(ex) is { } lines)
{
    foreach (var line in lines)
    {
        Console.Error.WriteLine($"error: {line}");
    }
    return 1;
}

/// <summary>Entry point; public for WebApplicationFactory in the tests.</summary>
public partial class Program;

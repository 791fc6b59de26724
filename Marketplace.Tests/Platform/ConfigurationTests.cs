using Marketplace.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests.Platform;

/// <summary>Invalid configuration stops the app at start-up with a message naming the key.</summary>
public sealed class ConfigurationTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Theory]
    [InlineData("Marketplace:Fees:PlatformFeeBps", "20000", "Marketplace:Fees:PlatformFeeBps")]
    [InlineData("Marketplace:Auth:SigningKey", "too-short", "Marketplace:Auth:SigningKey")]
    [InlineData("Marketplace:PublicBaseUrl", "not a url", "Marketplace:PublicBaseUrl")]
    [InlineData("Marketplace:Currency", "US Dollar", "Marketplace:Currency")]
    [InlineData("Marketplace:Stripe:ApiBase", "::nope", "Marketplace:Stripe:ApiBase")]
    [InlineData("Marketplace:Stripe:TimeoutSeconds", "0", "Marketplace:Stripe:TimeoutSeconds")]
    [InlineData("Marketplace:Stripe:MaxConcurrentCalls", "0", "Marketplace:Stripe:TimeoutSeconds (1-120), MaxNetworkRetries (0-5) and MaxConcurrentCalls")]
    [InlineData("Marketplace:KnownProxies:0", "proxy.example", "Marketplace:KnownProxies")]
    [InlineData("Marketplace:Idempotency:RetentionHours", "0", "Marketplace:Idempotency:RetentionHours")]
    [InlineData("ConnectionStrings:Marketplace", "", "ConnectionStrings:Marketplace")]
    public void A_bad_value_stops_start_up_naming_the_key(string key, string value, string named)
    {
        using var host = app.Isolated(settings: new Dictionary<string, string?> { [key] = value });
        var error = Assert.ThrowsAny<Exception>(() => host.Server);
        var messages = string.Join(" | ", Flatten(error).Select(e => e.Message));
        Assert.Contains(named, messages, StringComparison.Ordinal);
    }

    [Fact]
    public void The_signing_key_is_required_outside_development()
    {
        using var host = app.Isolated(settings: new Dictionary<string, string?>
        {
            ["Marketplace:Auth:SigningKey"] = null,
            ["environment"] = "Production",
        });
        var error = Assert.ThrowsAny<Exception>(() => host.Server);
        Assert.Contains("Marketplace:Auth:SigningKey is required", string.Join(" | ", Flatten(error).Select(e => e.Message)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("change-me-to-a-random-secret-of-at-least-32-bytes")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void A_placeholder_signing_key_is_refused_outside_development(string key)
    {
        using var host = app.Isolated(settings: new Dictionary<string, string?>
        {
            ["Marketplace:Auth:SigningKey"] = key,
            ["environment"] = "Production",
        });
        var error = Assert.ThrowsAny<Exception>(() => host.Server);
        Assert.Contains("Marketplace:Auth:SigningKey is a placeholder", string.Join(" | ", Flatten(error).Select(e => e.Message)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Marketplace__Fees__PlatformFeeBps", "20000", "error: Marketplace:Fees:PlatformFeeBps must be between 0 and 10000. (environment variable Marketplace__Fees__PlatformFeeBps)")]
    [InlineData("Marketplace__Fees__PlatformFeeBps", "ten", "error: Marketplace:Fees:PlatformFeeBps is 'ten', which is not a valid whole number.")]
    [InlineData("Marketplace__Database__MigrateOnStartup", "yes please", "error: Marketplace:Database:MigrateOnStartup is 'yes please', which is not a valid boolean")]
    [InlineData("Marketplace__Auth__SigningKey", "change-me-to-a-random-secret-of-at-least-32-bytes", "error: Marketplace:Auth:SigningKey is a placeholder")]
    [InlineData("Marketplace__Auth__SigningKey", null, "error: Marketplace:Auth:SigningKey is required outside Development")]
    [InlineData("Marketplace__KnownProxies__0", "proxy.example", "error: Marketplace:KnownProxies contains 'proxy.example', which is not an IP address.")]
    [InlineData("ConnectionStrings__Marketplace", "", "error: ConnectionStrings:Marketplace is required (env ConnectionStrings__Marketplace)")]
    [InlineData("ConnectionStrings__Marketplace", "Hots=db", "error: ConnectionStrings:Marketplace is not a valid PostgreSQL connection string")]
    public async Task The_built_api_with_a_bad_setting_exits_1_with_one_line_naming_it(string variable, string? value, string line)
    {
        await using var api = ApiProcess.Start(new Dictionary<string, string?> { [variable] = value });

        Assert.Equal(1, await api.ExitCodeAsync());
        var printed = api.Stderr.Where(l => l.Length > 0).ToList();
        Assert.True(printed.Count == 1, "one line on stderr, got: " + string.Join("\n", printed));
        Assert.StartsWith(line, printed[0], StringComparison.Ordinal);
        Assert.DoesNotContain(api.Stdout.Concat(api.Stderr), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("Unhandled exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_built_api_that_cannot_reach_its_database_to_migrate_exits_1_with_one_line()
    {
        await using var api = ApiProcess.Start(new Dictionary<string, string?>
        {
            ["ConnectionStrings__Marketplace"] = $"Host=127.0.0.1;Port={AppFixture.FreePort()};Username=postgres;Database=none;Timeout=2",
            ["Marketplace__Database__MigrateOnStartup"] = "true",
        });

        Assert.Equal(1, await api.ExitCodeAsync());
        var line = Assert.Single(api.Stderr, l => l.Length > 0);
        Assert.StartsWith("error: database error while migrating at start-up: Failed to connect to 127.0.0.1:", line, StringComparison.Ordinal);
        Assert.DoesNotContain(api.Stdout.Concat(api.Stderr), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public void Settings_no_option_reads_are_reported_with_the_likely_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Marketplace:Fee:PlatformFeeBps"] = "500",
            ["Marketplace:Smtp:Hots"] = "mail",
            ["Marketplace:Smtp:Host"] = "mail",
            ["Marketplace:KnownProxies:0"] = "10.0.0.1",
            ["Marketplace:Logging:Json"] = "true",
            ["Marketplace:Frobnicate"] = "1",
        }).Build();

        var unknown = Marketplace.Api.Infrastructure.OptionsRegistration.UnknownSettings(configuration);

        Assert.Equal(
            ["Marketplace:Fee (did you mean Marketplace:Fees?)", "Marketplace:Frobnicate", "Marketplace:Smtp:Hots (did you mean Marketplace:Smtp:Host?)"],
            unknown.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_built_api_warns_about_a_misspelled_section_and_starts()
    {
        await using var api = ApiProcess.Start(new Dictionary<string, string?> { ["Marketplace__Fee__PlatformFeeBps"] = "500" });
        await api.ReadyAsync();
        var warning = await api.LineAsync(l => l.Contains("Unknown setting", StringComparison.Ordinal));
        Assert.Contains("warn: Marketplace.Configuration", warning, StringComparison.Ordinal);
        Assert.Contains("Unknown setting Marketplace:Fee (did you mean Marketplace:Fees?) is ignored", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_files_are_read_once_at_start_with_no_file_watcher()
    {
        // a reloadable appsettings watches the content root recursively: PostgreSQL's data directory too, when started in the repository
        var configuration = (IConfigurationRoot)app.Factory.Services.GetRequiredService<IConfiguration>();
        var files = configuration.Providers.OfType<FileConfigurationProvider>().ToList();

        Assert.Contains(files, f => f.Source.Path == "appsettings.json");
        Assert.All(files, f => Assert.False(f.Source.ReloadOnChange, $"{f.Source.Path} is reloaded on change"));
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}

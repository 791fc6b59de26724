namespace Marketplace.Api.Infrastructure;

/// <summary>
/// Browsers on other origins: only the origins listed in <c>Marketplace:Cors:Origins</c> (none by
/// default) may call the API from a page. No cookies are involved (Bearer tokens), so credentials
/// are not allowed; the headers a client needs to read (Location, Retry-After) are exposed.
/// </summary>
internal static class Cors
{
    public static IServiceCollection AddMarketplaceCors(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<MarketplaceOptions>((cors, options) => cors.AddDefaultPolicy(p =>
            {
                p.WithOrigins(options.Cors.Origins)
                    .WithMethods("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
                    .WithHeaders("Authorization", "Content-Type", "Idempotency-Key", "Accept")
                    .WithExposedHeaders("Location", "Retry-After")
                    .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
            }));
        return services;
    }
}

using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Marketplace.Api.Features.Auth;

internal static class AuthRegistration
{
    /// <summary>The accounts area's own services: the lock-out and the background handling of mail requests.</summary>
    public static IServiceCollection AddMarketplaceAccounts(this IServiceCollection services)
    {
        services.TryAddSingleton(new LockoutRules());
        services.AddSingleton<Lockout>();
        services.AddHostedService<LoginThrottlePurger>();
        services.AddSingleton<AuthMailRequestSignal>();
        services.AddHostedService<AuthMailRequestWorker>();
        return services;
    }
}

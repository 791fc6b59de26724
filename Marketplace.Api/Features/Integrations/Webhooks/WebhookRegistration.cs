namespace Marketplace.Api.Features.Integrations.Webhooks;

internal static class WebhookRegistration
{
    /// <summary>Outbound webhooks: secrets, the target policy and the background delivery.</summary>
    public static IServiceCollection AddMarketplaceWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookTargets>();
        services.AddSingleton<WebhookDelivery>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDelivery>());
        return services;
    }
}

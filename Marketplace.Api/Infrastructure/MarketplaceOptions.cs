using Microsoft.Extensions.Options;

namespace Marketplace.Api.Infrastructure;

/// <summary>Everything under the <c>Marketplace</c> configuration section (env: <c>Marketplace__...</c>).</summary>
public sealed class MarketplaceOptions
{
    public const string Section = "Marketplace";

    public string PublicBaseUrl { get; set; } = "http://localhost:3000";
    public string Currency { get; set; } = "usd";

    /// <summary>Where local files go (development signing key, .eml files); defaults to <c>.data</c> under the content root.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Proxies whose X-Forwarded-For is trusted; the client IP comes from it only for these.</summary>
    public string[] KnownProxies { get; set; } = [];

    public AuthOptions Auth { get; set; } = new();
    public StripeOptions Stripe { get; set; } = new();
    public SmtpOptions Smtp { get; set; } = new();
    public FeeOptions Fees { get; set; } = new();
    public DatabaseOptions Database { get; set; } = new();
    public RateLimitingOptions RateLimiting { get; set; } = new();
    public IdempotencyOptions Idempotency { get; set; } = new();
    public LimitsOptions Limits { get; set; } = new();
    public LoggingOptions Logging { get; set; } = new();
    public CorsOptions Cors { get; set; } = new();
    public WebhooksOptions Webhooks { get; set; } = new();
    public OperatorsOptions Operators { get; set; } = new();
    public ReconciliationOptions Reconciliation { get; set; } = new();
    public BookingOptions Bookings { get; set; } = new();
    public PasswordsOptions Passwords { get; set; } = new();
    public ViewsOptions Views { get; set; } = new();
    public CachingOptions Caching { get; set; } = new();

    /// <summary>Listing view counting (README: listing views).</summary>
    public sealed class ViewsOptions
    {
        /// <summary>Count views at all; off, a listing read records nothing (the benchmark's baseline).</summary>
        public bool Counting { get; set; } = true;

        /// <summary>Seconds between flushes of the views held in memory: what a crash can lose at most.</summary>
        public int FlushSeconds { get; set; } = 10;

        /// <summary>
        /// Seconds between publishes of the counted views into viewCount and the popular sort (a flush counts them in a
        /// column no index holds; a publish writes the popular sort's index once per listing).
        /// </summary>
        public int PublishSeconds { get; set; } = 300;

        /// <summary>Distinct viewers held in memory at most between flushes; past it new ones are dropped (and logged).</summary>
        public int MaxPending { get; set; } = 100_000;

        /// <summary>Days the per-day viewer rows are kept (today and the days before it); older ones are purged.</summary>
        public int RetentionDays { get; set; } = 2;
    }

    /// <summary>HTTP caching of public reads (README: conditional requests).</summary>
    public sealed class CachingOptions
    {
        /// <summary>max-age of Cache-Control: public on anonymous reads of listings, providers and reviews.</summary>
        public int PublicMaxAgeSeconds { get; set; } = 30;
    }

    public sealed class LoggingOptions
    {
        /// <summary>One JSON object per line on the console (for log shippers), instead of one plain-text line per entry.</summary>
        public bool Json { get; set; }
    }

    public sealed class WebhooksOptions
    {
        /// <summary>Accept http:// targets (always accepted in Development).</summary>
        public bool AllowHttp { get; set; }

        /// <summary>Accept targets resolving to loopback, private or link-local addresses (tests and local setups only).</summary>
        public bool AllowPrivateTargets { get; set; }

        /// <summary>Run the delivery loop in this instance.</summary>
        public bool BackgroundDelivery { get; set; } = true;

        public int PollMilliseconds { get; set; } = 1000;

        /// <summary>Deliveries in flight at once per instance (a slow receiver holds one of them, never the others).</summary>
        public int MaxParallel { get; set; } = 16;

        /// <summary>A receiver that has not answered in this time has failed this attempt.</summary>
        public int TimeoutSeconds { get; set; } = 10;

        /// <summary>Deliveries claimed per round.</summary>
        public int BatchSize { get; set; } = 100;

        /// <summary>
        /// Longest pause (ms) before each claim while this instance's thread pool has a queue (requests waiting
        /// for a CPU): delivery then yields to them, and still claims after this pause, so it never stops. 0: never yields.
        /// </summary>
        public int YieldMilliseconds { get; set; } = 50;
    }

    public sealed class CorsOptions
    {
        /// <summary>Origins (scheme://host[:port]) whose pages may call the API; none by default.</summary>
        public string[] Origins { get; set; } = [];
    }

    /// <summary>The people running the marketplace (money operations past the happy path mail them).</summary>
    public sealed class OperatorsOptions
    {
        /// <summary>Where disputes and failed refunds are reported (Marketplace__Operators__Email); no mail when unset.</summary>
        public string? Email { get; set; }
    }

    /// <summary>The Stripe reconciliation job (README: reconciliation).</summary>
    public sealed class ReconciliationOptions
    {
        /// <summary>Minutes between runs of the job on each instance; 0 turns the job off (the CLI mode still works).</summary>
        public int IntervalMinutes { get; set; } = 10;
    }

    public sealed class AuthOptions
    {
        public string? SigningKey { get; set; }
        public int AccessTokenMinutes { get; set; } = 15;
        public int RefreshTokenDays { get; set; } = 30;

        /// <summary>Seconds after a rotation in which the spent refresh token answers the same successor again (concurrent refreshes).</summary>
        public int RefreshGraceSeconds { get; set; } = 30;
    }

    public sealed class StripeOptions
    {
        public string? SecretKey { get; set; }
        public string? WebhookSecret { get; set; }
        public string? ConnectWebhookSecret { get; set; }

        /// <summary>More signing secrets of the platform endpoint (old and new while one is rolled): WebhookSecrets__0, __1 (README: secret rotation).</summary>
        public List<string> WebhookSecrets { get; set; } = [];

        /// <summary>More signing secrets of the Connect endpoint, as <see cref="WebhookSecrets"/>.</summary>
        public List<string> ConnectWebhookSecrets { get; set; } = [];

        /// <summary>
        /// Every signing secret a webhook may verify against: the single-value keys (each may hold
        /// several, comma-separated) and the lists, of both endpoints, blanks dropped.
        /// </summary>
        public IReadOnlyList<string> SigningSecrets() =>
            new[] { WebhookSecret, ConnectWebhookSecret }.Concat(WebhookSecrets).Concat(ConnectWebhookSecrets)
                .OfType<string>()
                .SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Distinct(StringComparer.Ordinal)
                .ToArray();
        public string? ApiBase { get; set; }

        /// <summary>The whole budget of one Stripe call on a request path, network retries included; past it the request answers 504 stripe_unavailable.</summary>
        public int TimeoutSeconds { get; set; } = 10;

        /// <summary>Stripe.net's retries of a call that failed on the network (within TimeoutSeconds).</summary>
        public int MaxNetworkRetries { get; set; } = 1;

        /// <summary>Stripe calls in flight at once per instance; more answer 503 stripe_unavailable at once.</summary>
        public int MaxConcurrentCalls { get; set; } = 32;
    }

    public sealed class SmtpOptions
    {
        public string? Host { get; set; }
        public int Port { get; set; } = 587;
        public string? Username { get; set; }
        public string? Password { get; set; }
        public string From { get; set; } = "Marketplace <no-reply@marketplace.local>";

        /// <summary>How often the outbox dispatcher looks for due mails (it is also woken right after a slice commits one).</summary>
        public int PollMilliseconds { get; set; } = 5000;

        /// <summary>Mails claimed (and sent over one SMTP connection) per round.</summary>
        public int BatchSize { get; set; } = 20;

        /// <summary>Send attempts before a mail is given up (failed_at); retries back off exponentially.</summary>
        public int MaxAttempts { get; set; } = 8;
    }

    public sealed class FeeOptions
    {
        public int PlatformFeeBps { get; set; } = 1000;
        public long MinimumPlatformFeeCents { get; set; }
    }

    public sealed class DatabaseOptions
    {
        public bool MigrateOnStartup { get; set; }

        /// <summary>Seconds public reads stay on the primary after the read replica failed, before one request tries it again (README: read replicas).</summary>
        public int ReplicaRetrySeconds { get; set; } = 30;
    }

    /// <summary>Password hashing under load (Infrastructure/Passwords.cs; README: password hashing under load).</summary>
    public sealed class PasswordsOptions
    {
        /// <summary>Bound the concurrent hashing (off: every request hashes at once, as before; for comparisons only).</summary>
        public bool LimitConcurrency { get; set; } = true;

        /// <summary>Hashes computed at once per instance; 0 = half the cores, at least one.</summary>
        public int MaxConcurrent { get; set; }

        /// <summary>Requests waiting for a hashing slot; past it they answer 503 busy at once.</summary>
        public int QueueLimit { get; set; } = 64;

        /// <summary>The Retry-After of a 503 busy.</summary>
        public int RetryAfterSeconds { get; set; } = 1;
    }

    public sealed class LimitsOptions
    {
        /// <summary>Largest request body in bytes, unless an endpoint documents more (the Stripe webhook); larger is 413.</summary>
        public long MaxRequestBodyBytes { get; set; } = RequestLimits.DefaultMaxRequestBodyBytes;
    }

    public sealed class IdempotencyOptions
    {
        /// <summary>How long an Idempotency-Key's stored answer is kept; older rows are purged hourly.</summary>
        public int RetentionHours { get; set; } = 24;
    }

    /// <summary>Booking lifecycle (Features/Transactions/Lifecycle): how long a request and an invoice hold a slot.</summary>
    public sealed class BookingOptions
    {
        /// <summary>Hours a booking request waits for the provider's answer before it expires.</summary>
        public int RequestExpiryHours { get; set; } = 72;

        /// <summary>Hours an invoiced booking has to be paid (never past the service start) before it expires.</summary>
        public int PaymentWindowHours { get; set; } = 48;

        /// <summary>Whether this instance runs the expiry and reminder job (several instances may: each booking is claimed once).</summary>
        public bool JobEnabled { get; set; } = true;

        /// <summary>Seconds between two runs of the expiry and reminder job.</summary>
        public int JobIntervalSeconds { get; set; } = 60;
    }

    public sealed class RateLimitingOptions
    {
        public bool Enabled { get; set; } = true;

        /// <summary>Requests per minute per client IP on the anonymous auth endpoints (register, login, forgot-password, resend-verification).</summary>
        public int AuthPerMinute { get; set; } = 20;

        /// <summary>Messages per minute per user.</summary>
        public int MessagesPerMinute { get; set; } = 30;
    }
}

/// <summary>Start-up validation: a bad value stops the app with a message naming the key.</summary>
internal sealed class MarketplaceOptionsValidator(IHostEnvironment environment) : IValidateOptions<MarketplaceOptions>
{
    public ValidateOptionsResult Validate(string? name, MarketplaceOptions o)
    {
        var errors = new List<string>();

        if (!Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
        {
            errors.Add("Marketplace:PublicBaseUrl must be an absolute http(s) URL.");
        }
        if (o.Reconciliation.IntervalMinutes is < 0 or > 1440)
        {
            errors.Add("Marketplace:Reconciliation:IntervalMinutes must be between 0 (off) and 1440.");
        }
        if (o.Currency is not { Length: 3 } || !o.Currency.All(char.IsAsciiLetterLower))
        {
            errors.Add("Marketplace:Currency must be a lowercase three-letter ISO 4217 code (e.g. usd).");
        }
        foreach (var origin in o.Cors.Origins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || origin.EndsWith('/'))
            {
                errors.Add($"Marketplace:Cors:Origins: '{origin}' must be an origin like https://app.example.com (scheme, host, optional port; no path).");
            }
        }
        var hasSigningKey = !string.IsNullOrWhiteSpace(o.Auth.SigningKey);
        if (hasSigningKey && System.Text.Encoding.UTF8.GetByteCount(o.Auth.SigningKey!) < 32)
        {
            errors.Add("Marketplace:Auth:SigningKey must be at least 32 bytes; generate one with: openssl rand -base64 48");
        }
        else if (hasSigningKey && !environment.IsDevelopment() && IsPlaceholder(o.Auth.SigningKey!))
        {
            errors.Add("Marketplace:Auth:SigningKey is a placeholder (anyone who read the example could forge tokens); generate one with: openssl rand -base64 48");
        }
        if (!hasSigningKey && !environment.IsDevelopment())
        {
            errors.Add("Marketplace:Auth:SigningKey is required outside Development (at least 32 bytes); generate one with: openssl rand -base64 48");
        }
        if (o.Auth.AccessTokenMinutes is < 1 or > 1440)
        {
            errors.Add("Marketplace:Auth:AccessTokenMinutes must be between 1 and 1440.");
        }
        if (o.Auth.RefreshTokenDays is < 1 or > 365)
        {
            errors.Add("Marketplace:Auth:RefreshTokenDays must be between 1 and 365.");
        }
        if (o.Auth.RefreshGraceSeconds is < 0 or > 300)
        {
            errors.Add("Marketplace:Auth:RefreshGraceSeconds must be between 0 and 300.");
        }
        if (o.Stripe.ApiBase is { } apiBase && !Uri.TryCreate(apiBase, UriKind.Absolute, out _))
        {
            errors.Add("Marketplace:Stripe:ApiBase must be an absolute URL.");
        }
        if (o.Stripe.TimeoutSeconds is < 1 or > 120 || o.Stripe.MaxNetworkRetries is < 0 or > 5 || o.Stripe.MaxConcurrentCalls is < 1 or > 10000)
        {
            errors.Add("Marketplace:Stripe:TimeoutSeconds (1-120), MaxNetworkRetries (0-5) and MaxConcurrentCalls (1-10000) must be in range.");
        }
        if (o.Smtp.Host is not null && o.Smtp.Port is < 1 or > 65535)
        {
            errors.Add("Marketplace:Smtp:Port must be between 1 and 65535.");
        }
        if (o.Smtp.Host is not null && !MimeKit.MailboxAddress.TryParse(o.Smtp.From, out _))
        {
            errors.Add("Marketplace:Smtp:From must be a valid mailbox (e.g. Marketplace <no-reply@example.com>).");
        }
        if (o.Smtp.PollMilliseconds is < 10 or > 600_000 || o.Smtp.BatchSize is < 1 or > 1000 || o.Smtp.MaxAttempts is < 1 or > 100)
        {
            errors.Add("Marketplace:Smtp:PollMilliseconds (10-600000), BatchSize (1-1000) and MaxAttempts (1-100) must be in range.");
        }
        if (o.Fees.PlatformFeeBps is < 0 or > 10000)
        {
            errors.Add("Marketplace:Fees:PlatformFeeBps must be between 0 and 10000.");
        }
        if (o.Fees.MinimumPlatformFeeCents < 0)
        {
            errors.Add("Marketplace:Fees:MinimumPlatformFeeCents must not be negative.");
        }
        if (o.RateLimiting.AuthPerMinute < 1 || o.RateLimiting.MessagesPerMinute < 1)
        {
            errors.Add("Marketplace:RateLimiting limits must be at least 1 per minute.");
        }
        if (o.Limits.MaxRequestBodyBytes is < 1024 or > RequestLimits.MaxConfigurableBodyBytes)
        {
            errors.Add($"Marketplace:Limits:MaxRequestBodyBytes must be between 1024 and {RequestLimits.MaxConfigurableBodyBytes}.");
        }
        if (o.Idempotency.RetentionHours is < 1 or > 8760)
        {
            errors.Add("Marketplace:Idempotency:RetentionHours must be between 1 and 8760.");
        }
        if (o.Bookings.RequestExpiryHours is < 1 or > 8760 || o.Bookings.PaymentWindowHours is < 1 or > 8760 || o.Bookings.JobIntervalSeconds is < 1 or > 86400)
        {
            errors.Add("Marketplace:Bookings:RequestExpiryHours (1-8760), PaymentWindowHours (1-8760) and JobIntervalSeconds (1-86400) must be in range.");
        }
        if (o.Passwords.MaxConcurrent is < 0 or > 1024 || o.Passwords.QueueLimit is < 0 or > 100_000 || o.Passwords.RetryAfterSeconds is < 1 or > 300)
        {
            errors.Add("Marketplace:Passwords:MaxConcurrent (0 = half the cores, up to 1024), QueueLimit (0-100000) and RetryAfterSeconds (1-300) must be in range.");
        }
        if (o.Database.ReplicaRetrySeconds is < 1 or > 3600)
        {
            errors.Add("Marketplace:Database:ReplicaRetrySeconds must be between 1 and 3600.");
        }
        if (o.Views.FlushSeconds is < 1 or > 3600 || o.Views.PublishSeconds is < 1 or > 86400 || o.Views.MaxPending is < 100 or > 10_000_000
            || o.Views.RetentionDays is < 1 or > 90)
        {
            errors.Add("Marketplace:Views:FlushSeconds (1-3600), PublishSeconds (1-86400), MaxPending (100-10000000) and RetentionDays (1-90) must be in range.");
        }
        if (o.Caching.PublicMaxAgeSeconds is < 0 or > 86400)
        {
            errors.Add("Marketplace:Caching:PublicMaxAgeSeconds must be between 0 and 86400.");
        }
        foreach (var proxy in o.KnownProxies)
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _))
            {
                errors.Add($"Marketplace:KnownProxies contains '{proxy}', which is not an IP address.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>
    /// A key copied from an example rather than generated: one of the words examples use, or too
    /// few distinct characters to be random (a 32-byte random key has dozens).
    /// </summary>
    internal static bool IsPlaceholder(string key)
    {
        string[] words = ["change-me", "changeme", "change_me", "replace-me", "replaceme", "placeholder", "example", "your-", "secret-key", "not-a-secret"];
        return words.Any(w => key.Contains(w, StringComparison.OrdinalIgnoreCase)) || key.Distinct().Count() < 10;
    }
}

internal static class OptionsRegistration
{
    public static WebApplicationBuilder AddMarketplaceOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MarketplaceOptions>()
            .Bind(builder.Configuration.GetSection(MarketplaceOptions.Section))
            .PostConfigure(BlankMeansUnset)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MarketplaceOptions>, MarketplaceOptionsValidator>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<MarketplaceOptions>>().Value);
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>
    /// An optional setting given as an empty string (docker compose's <c>${STRIPE_SECRET_KEY:-}</c>,
    /// an empty line in an .env file) means "not set", not "set to nothing".
    /// </summary>
    private static void BlankMeansUnset(MarketplaceOptions o)
    {
        static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
        o.DataDirectory = Blank(o.DataDirectory);
        o.Auth.SigningKey = Blank(o.Auth.SigningKey);
        o.Stripe.SecretKey = Blank(o.Stripe.SecretKey);
        o.Stripe.WebhookSecret = Blank(o.Stripe.WebhookSecret);
        o.Stripe.ConnectWebhookSecret = Blank(o.Stripe.ConnectWebhookSecret);
        o.Stripe.ApiBase = Blank(o.Stripe.ApiBase);
        o.Smtp.Host = Blank(o.Smtp.Host);
        o.Smtp.Username = Blank(o.Smtp.Username);
        o.Smtp.Password = Blank(o.Smtp.Password);
    }

    /// <summary>
    /// Settings under <c>Marketplace</c> that no option reads: almost always a typo
    /// (<c>Marketplace__Fee__PlatformFeeBps</c> for <c>Fees</c>), which would otherwise be silently
    /// ignored. Warned about, not refused: a setting of a newer version must not stop an older one.
    /// </summary>
    public static IReadOnlyList<string> UnknownSettings(IConfiguration configuration)
    {
        var unknown = new List<string>();
        Walk(configuration.GetSection(MarketplaceOptions.Section), typeof(MarketplaceOptions), unknown);
        return unknown;

        static void Walk(IConfigurationSection section, Type type, List<string> unknown)
        {
            foreach (var child in section.GetChildren())
            {
                var property = type.GetProperty(child.Key, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
                if (property is null)
                {
                    var near = type.GetProperties().Select(p => p.Name).OrderBy(n => Distance(n.ToLowerInvariant(), child.Key.ToLowerInvariant())).FirstOrDefault();
                    unknown.Add(near is not null && Distance(near.ToLowerInvariant(), child.Key.ToLowerInvariant()) <= 3
                        ? $"{child.Path} (did you mean {section.Path}:{near}?)"
                        : child.Path);
                }
                else if (property.PropertyType.IsClass && property.PropertyType != typeof(string) && !property.PropertyType.IsArray)
                {
                    Walk(child, property.PropertyType, unknown);
                }
            }
        }

        static int Distance(string a, string b)
        {
            var previous = Enumerable.Range(0, b.Length + 1).ToArray();
            for (var i = 1; i <= a.Length; i++)
            {
                var current = new int[b.Length + 1];
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                }
                previous = current;
            }
            return previous[b.Length];
        }
    }

    /// <summary>Logs one warning per unknown setting (see <see cref="UnknownSettings"/>).</summary>
    public static WebApplication WarnAboutUnknownSettings(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Marketplace.Configuration");
        foreach (var key in UnknownSettings(app.Configuration))
        {
            logger.LogWarning("Unknown setting {Key} is ignored (a typo?); see the README's Configuration table", key);
        }
        return app;
    }

    /// <summary>The folder for local files; created on first use.</summary>
    public static string DataDirectory(this MarketplaceOptions options, IHostEnvironment environment)
    {
        var path = options.DataDirectory ?? Path.Combine(environment.ContentRootPath, ".data");
        Directory.CreateDirectory(path);
        return path;
    }
}

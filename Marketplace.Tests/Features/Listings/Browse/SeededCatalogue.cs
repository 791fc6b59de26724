using Npgsql;

namespace Marketplace.Tests.Features.Listings.Browse;

/// <summary>
/// A database of its own holding a catalogue big enough for the planner to choose as it would in
/// production (tens of thousands of listings, every category, state, city, price and a tenth
/// without a price), written with one INSERT ... SELECT per table and analysed.
/// </summary>
internal static class SeededCatalogue
{
    public const int Providers = 200;

    public static async Task SeedAsync(string connectionString, int listings)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var seed = new NpgsqlCommand($"""
            INSERT INTO marketplace.users (id, email, email_verified, password_hash, user_type, status, created_at, updated_at)
            SELECT g, 'owner' || g || '@seed.test', true, 'not-a-hash', 'provider', 'active', now(), now() FROM generate_series(1, {Providers}) g;
            INSERT INTO marketplace.providers (id, user_id, provider_type, business_name, city, state, country, payment_mode, time_zone, status,
                                               activated_at, average_rating, total_reviews, verified_provider, created_at, updated_at)
            SELECT g, g, 'service_provider', 'Seed ' || g, 'Austin', 'TX', 'US', 'manual', 'America/New_York', 'active',
                   now(), 4.5, 0, false, now(), now() FROM generate_series(1, {Providers}) g;
            INSERT INTO marketplace.service_listings (provider_id, slug, title, description, keywords, category, price_cents, price_type,
                                                      city, state, status, published_at, view_count, created_at, updated_at)
            SELECT 1 + g % {Providers}, 'seed-' || g,
                   (ARRAY['Puppy training', 'Dog grooming', 'Cat boarding', 'Airport transport', 'Senior wellness exam'])[1 + g % 5] || ' ' || g,
                   'A friendly service for dogs and cats. ' || (ARRAY['Hypoallergenic shampoo.', 'Agility training.', 'Free pickup.'])[1 + g % 3],
                   'seed', (ARRAY['grooming', 'training', 'boarding', 'vet', 'transport', 'photography', 'stud_service', 'other'])[1 + (g / 7) % 8],
                   CASE WHEN g % 9 = 0 THEN NULL ELSE (g * 37 % 800) * 100 + 1500 END,
                   CASE WHEN g % 9 = 0 THEN 'contact' ELSE 'fixed' END,
                   (ARRAY['Austin', 'Dallas', 'Houston', 'Miami', 'Orlando', 'Seattle', 'Denver', 'Boston', 'Chicago', 'Phoenix', 'Portland', 'Atlanta'])[1 + (g / 3) % 12],
                   (ARRAY['TX', 'TX', 'TX', 'FL', 'FL', 'WA', 'CO', 'MA', 'IL', 'AZ', 'OR', 'GA'])[1 + (g / 3) % 12],
                   CASE WHEN g % 20 = 0 THEN 'draft' ELSE 'active' END,
                   CASE WHEN g % 20 = 0 THEN NULL ELSE now() - g * interval '1 minute' END,
                   (g * 7919) % 5000, now() - g * interval '1 minute', now()
              FROM generate_series(1, {listings}) g;
            -- user 1 saved 300 listings
            INSERT INTO marketplace.saved_listings (user_id, listing_id, saved_at)
            SELECT 1, id, now() - id * interval '1 second' FROM marketplace.service_listings WHERE id % 97 = 0 ORDER BY id LIMIT 300;
            ANALYZE;
            """, connection);
        seed.CommandTimeout = 300;
        await seed.ExecuteNonQueryAsync();
    }
}

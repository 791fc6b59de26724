using Marketplace.Api.Features.Listings.Create;
using Npgsql;
using NpgsqlTypes;

namespace ListingSearch;

/// <summary>
/// A realistic, reproducible (seeded) marketplace: providers spread over states and cities, listings
/// with varied categories, statuses, price types, prices, publication dates, view counts and
/// generated titles, keywords and descriptions, so filters and full-text search select like real data.
/// Loaded with binary COPY.
/// </summary>
internal static class DataSet
{
    public static readonly (string State, string[] Cities, int Weight)[] Places =
    [
        ("TX", ["Austin", "Dallas", "Houston", "San Antonio"], 14), ("CA", ["Los Angeles", "San Diego", "San Francisco", "Sacramento"], 16),
        ("NY", ["New York", "Buffalo", "Rochester"], 10), ("FL", ["Miami", "Orlando", "Tampa"], 10), ("IL", ["Chicago", "Springfield"], 6),
        ("WA", ["Seattle", "Spokane"], 5), ("CO", ["Denver", "Boulder"], 5), ("GA", ["Atlanta", "Savannah"], 5), ("MA", ["Boston", "Worcester"], 4),
        ("AZ", ["Phoenix", "Tucson"], 5), ("OR", ["Portland", "Eugene"], 4), ("NC", ["Charlotte", "Raleigh"], 5),
        ("PA", ["Philadelphia", "Pittsburgh"], 5), ("OH", ["Columbus", "Cleveland"], 4), ("MN", ["Minneapolis", "Saint Paul"], 2),
    ];

    private static readonly (string Category, int Weight, string[] Services, string[] Keywords)[] Categories =
    [
        ("grooming", 24, ["dog grooming", "cat grooming", "nail trimming", "de-shedding treatment", "puppy bath", "mobile grooming"], ["groomer", "bath", "haircut", "shampoo", "nails", "brushing"]),
        ("training", 18, ["puppy training", "obedience training", "agility training", "leash training", "behavior consultation", "clicker training"], ["obedience", "puppy", "recall", "leash", "reactive", "agility"]),
        ("boarding", 16, ["dog boarding", "cat boarding", "overnight pet sitting", "doggy daycare", "kennel stay", "luxury pet hotel"], ["daycare", "overnight", "kennel", "sitter", "playtime", "suites"]),
        ("vet", 10, ["vaccination clinic", "wellness exam", "dental cleaning", "mobile vet visit", "spay and neuter", "senior pet checkup"], ["veterinarian", "vaccines", "checkup", "dental", "wellness", "senior"]),
        ("transport", 8, ["pet taxi", "airport pet transport", "vet appointment transport", "cross-country pet relocation"], ["taxi", "airport", "relocation", "crate", "pickup", "travel"]),
        ("photography", 7, ["pet portrait session", "outdoor dog photography", "studio pet photos", "litter announcement photos"], ["portrait", "photoshoot", "studio", "prints", "outdoor", "litter"]),
        ("stud_service", 5, ["labrador stud service", "golden retriever stud", "french bulldog stud", "poodle stud service"], ["stud", "pedigree", "akc", "health-tested", "breeding", "champion"]),
        ("other", 12, ["pet waste removal", "aquarium cleaning", "pet massage", "dog walking", "cat sitting visits"], ["walker", "massage", "cleanup", "aquarium", "visits", "yard"]),
    ];

    private static readonly string[] Adjectives =
        ["Gentle", "Professional", "Affordable", "Premium", "Friendly", "Certified", "Experienced", "Reliable", "Award-winning", "Family-run", "Local", "Expert"];

    private static readonly string[] Sentences =
    [
        "We are fully insured and certified.", "All breeds and sizes are welcome.", "Anxious and senior pets get extra patience.",
        "We use hypoallergenic shampoo and natural products.", "Free pickup and drop-off within ten miles.", "Weekend and evening appointments available.",
        "Puppies under six months get a gentle introduction.", "Our team has over ten years of experience.", "Daily photo updates while your pet stays with us.",
        "Climate-controlled facility with outdoor play areas.", "Positive reinforcement methods only.", "Ask about multi-pet discounts.",
        "Vaccination records are required for every visit.", "We specialize in large breeds and double coats.", "Cats are handled in a quiet, separate area.",
        "Same-day appointments are often available.", "Group classes and private sessions.", "Emergency availability on holidays.",
        "Pedigree papers and health clearances available on request.", "Serving the whole metro area.", "Fear-free certified handlers.",
        "Flexible cancellation up to 24 hours before.", "We work with rescues and shelters.", "Gift cards available.",
    ];

    public sealed record Counts(int Users, int Providers, int Listings, int Active);

    public static async Task<Counts> LoadAsync(string connectionString, int providerCount, int listingCount, int seed = 42)
    {
        var random = new Random(seed);
        var now = DateTime.UtcNow;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();

        // owners of the providers
        await using (var users = await connection.BeginBinaryImportAsync(
            "COPY marketplace.users (id, email, email_verified, password_hash, user_type, status, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var id = 1; id <= providerCount; id++)
            {
                await users.StartRowAsync();
                await users.WriteAsync(id, NpgsqlDbType.Integer);
                await users.WriteAsync($"owner{id}@bench.test", NpgsqlDbType.Varchar);
                await users.WriteAsync(true, NpgsqlDbType.Boolean);
                await users.WriteAsync("not-a-real-hash", NpgsqlDbType.Varchar);
                await users.WriteAsync("provider", NpgsqlDbType.Varchar);
                await users.WriteAsync("active", NpgsqlDbType.Varchar);
                await users.WriteAsync(now.AddDays(-800), NpgsqlDbType.TimestampTz);
                await users.WriteAsync(now.AddDays(-800), NpgsqlDbType.TimestampTz);
            }
            await users.CompleteAsync();
        }

        var providerPlaces = new (string State, string City)[providerCount + 1];
        await using (var providers = await connection.BeginBinaryImportAsync(
            "COPY marketplace.providers (id, user_id, provider_type, business_name, city, state, country, payment_mode, time_zone, status, activated_at, "
            + "average_rating, total_reviews, verified_provider, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var id = 1; id <= providerCount; id++)
            {
                var (state, cities, _) = Pick(random, Places, p => p.Weight);
                var city = cities[random.Next(cities.Length)];
                providerPlaces[id] = (state, city);
                var roll = random.Next(100);
                var status = roll < 95 ? "active" : roll < 98 ? "pending" : "suspended";
                var created = now.AddDays(-random.Next(30, 800));
                await providers.StartRowAsync();
                await providers.WriteAsync(id, NpgsqlDbType.Integer);
                await providers.WriteAsync(id, NpgsqlDbType.Integer);
                await providers.WriteAsync(random.Next(10) == 0 ? "breeder" : "service_provider", NpgsqlDbType.Varchar);
                await providers.WriteAsync($"{Adjectives[random.Next(Adjectives.Length)]} Paws {id}", NpgsqlDbType.Varchar);
                await providers.WriteAsync(city, NpgsqlDbType.Varchar);
                await providers.WriteAsync(state, NpgsqlDbType.Varchar);
                await providers.WriteAsync("US", NpgsqlDbType.Varchar);
                await providers.WriteAsync(random.Next(4) == 0 ? "manual" : "stripe_connect", NpgsqlDbType.Varchar);
                await providers.WriteAsync("America/New_York", NpgsqlDbType.Varchar);
                await providers.WriteAsync(status, NpgsqlDbType.Varchar);
                if (status == "pending")
                {
                    await providers.WriteNullAsync();
                }
                else
                {
                    await providers.WriteAsync(created.AddDays(1), NpgsqlDbType.TimestampTz);
                }
                await providers.WriteAsync(Math.Round((decimal)(3 + random.NextDouble() * 2), 2), NpgsqlDbType.Numeric);
                await providers.WriteAsync(random.Next(0, 300), NpgsqlDbType.Integer);
                await providers.WriteAsync(random.Next(5) == 0, NpgsqlDbType.Boolean);
                await providers.WriteAsync(created, NpgsqlDbType.TimestampTz);
                await providers.WriteAsync(created, NpgsqlDbType.TimestampTz);
            }
            await providers.CompleteAsync();
        }

        var active = 0;
        await using (var listings = await connection.BeginBinaryImportAsync(
            "COPY marketplace.service_listings (id, provider_id, slug, title, description, category, subcategory, price_cents, price_type, price_text, "
            + "cover_image_url, city, state, zip, duration, availability, keywords, view_count, views_counted, status, published_at, paused_at, created_at, updated_at, deleted_at) "
            + "FROM STDIN (FORMAT BINARY)"))
        {
            for (var id = 1; id <= listingCount; id++)
            {
                var providerId = random.Next(1, providerCount + 1);
                var (state, city) = providerPlaces[providerId];
                if (random.Next(10) == 0)
                {
                    var (otherState, cities, _) = Pick(random, Places, p => p.Weight);
                    (state, city) = (otherState, cities[random.Next(cities.Length)]);
                }
                var (category, _, services, keywords) = Pick(random, Categories, c => c.Weight);
                var service = services[random.Next(services.Length)];
                var adjective = Adjectives[random.Next(Adjectives.Length)];
                var title = random.Next(3) == 0 ? $"{Capitalize(service)} by {adjective} Paws {providerId}" : $"{adjective} {service} in {city}";
                var description = $"{adjective} {service} for dogs and cats in {city}, {state}. "
                    + string.Join(' ', Enumerable.Range(0, random.Next(2, 5)).Select(_ => Sentences[random.Next(Sentences.Length)]));
                var keywordList = string.Join(' ', Enumerable.Range(0, 3).Select(_ => keywords[random.Next(keywords.Length)]).Distinct());

                var priceRoll = random.Next(100);
                var priceType = priceRoll < 50 ? "fixed" : priceRoll < 70 ? "hourly" : priceRoll < 85 ? "daily" : priceRoll < 92 ? "custom" : "contact";
                long? price = priceType switch
                {
                    "contact" => null,
                    "custom" => random.Next(2) == 0 ? null : random.Next(20, 400) * 500L,
                    "hourly" => random.Next(20, 150) * 100L,
                    "daily" => random.Next(30, 250) * 100L,
                    _ => random.Next(15, 800) * 100L,
                };
                var statusRoll = random.Next(100);
                var status = statusRoll < 85 ? "active" : statusRoll < 93 ? "draft" : statusRoll < 98 ? "paused" : "archived";
                var deleted = random.Next(50) == 0;
                if (status == "active" && !deleted)
                {
                    active++;
                }
                var created = now.AddMinutes(-random.Next(60, 730 * 24 * 60));
                DateTime? published = status is "active" or "paused" or "archived" ? created.AddMinutes(random.Next(0, 7 * 24 * 60)) : null;
                if (published > now)
                {
                    published = now;
                }
                // a few listings are viewed a lot
                var views = (int)Math.Min(int.MaxValue, Math.Pow(random.NextDouble(), 4) * 20000);

                await listings.StartRowAsync();
                await listings.WriteAsync(id, NpgsqlDbType.Integer);
                await listings.WriteAsync(providerId, NpgsqlDbType.Integer);
                await listings.WriteAsync($"{Slug.Base(title)}-{Base36(id)}", NpgsqlDbType.Varchar);
                await listings.WriteAsync(title, NpgsqlDbType.Varchar);
                await listings.WriteAsync(description, NpgsqlDbType.Varchar);
                await listings.WriteAsync(category, NpgsqlDbType.Varchar);
                await listings.WriteAsync(service, NpgsqlDbType.Varchar);
                await WriteNullable(listings, price, NpgsqlDbType.Bigint);
                await listings.WriteAsync(priceType, NpgsqlDbType.Varchar);
                await WriteNullable(listings, priceType == "contact" ? "Contact for quote" : null, NpgsqlDbType.Varchar);
                await listings.WriteAsync($"https://img.bench.test/{id}.jpg", NpgsqlDbType.Varchar);
                await listings.WriteAsync(city, NpgsqlDbType.Varchar);
                await listings.WriteAsync(state, NpgsqlDbType.Varchar);
                await listings.WriteAsync($"{random.Next(10000, 99999)}", NpgsqlDbType.Varchar);
                await listings.WriteAsync(random.Next(2) == 0 ? "1 hour" : "Half day", NpgsqlDbType.Varchar);
                await listings.WriteAsync(random.Next(2) == 0 ? "Weekdays" : "By appointment", NpgsqlDbType.Varchar);
                await listings.WriteAsync(keywordList, NpgsqlDbType.Varchar);
                await listings.WriteAsync(views, NpgsqlDbType.Integer);
                await listings.WriteAsync(views, NpgsqlDbType.Integer); // views_counted: published as is
                await listings.WriteAsync(status, NpgsqlDbType.Varchar);
                await WriteNullable(listings, published, NpgsqlDbType.TimestampTz);
                await WriteNullable(listings, status == "paused" ? published?.AddDays(3) : null, NpgsqlDbType.TimestampTz);
                await listings.WriteAsync(created, NpgsqlDbType.TimestampTz);
                await listings.WriteAsync(created, NpgsqlDbType.TimestampTz);
                await WriteNullable(listings, deleted ? (DateTime?)now.AddDays(-1) : null, NpgsqlDbType.TimestampTz);
            }
            await listings.CompleteAsync();
        }

        await using (var finish = new NpgsqlCommand("""
            SELECT setval(pg_get_serial_sequence('marketplace.users', 'id'), (SELECT max(id) FROM marketplace.users));
            SELECT setval(pg_get_serial_sequence('marketplace.providers', 'id'), (SELECT max(id) FROM marketplace.providers));
            SELECT setval(pg_get_serial_sequence('marketplace.service_listings', 'id'), (SELECT max(id) FROM marketplace.service_listings));
            UPDATE marketplace.providers p
               SET total_listings = c.total, active_listings = c.active
              FROM (SELECT provider_id, count(*) AS total, count(*) FILTER (WHERE status = 'active') AS active
                      FROM marketplace.service_listings WHERE deleted_at IS NULL GROUP BY provider_id) c
             WHERE c.provider_id = p.id;
            """, connection))
        {
            finish.CommandTimeout = 600;
            await finish.ExecuteNonQueryAsync();
        }
        // a settled table, as autovacuum leaves one after a bulk insert: hint bits set and pages all-visible. With ANALYZE alone
        // the first reads of each page set its hint bits and dirty it, and at 1M listings (a heap 7x shared_buffers) evicting
        // those pages wrote them out during the measurement: `price range (newest)` walked ~900 pages at 0.7-1.1 ms, not 0.3.
        await using (var settle = new NpgsqlCommand("VACUUM (ANALYZE)", connection))
        {
            settle.CommandTimeout = 1800;
            await settle.ExecuteNonQueryAsync();
        }
        return new Counts(providerCount, providerCount, listingCount, active);
    }

    private static async Task WriteNullable<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            await importer.WriteNullAsync();
        }
        else
        {
            await importer.WriteAsync(value, type);
        }
    }

    private static T Pick<T>(Random random, T[] items, Func<T, int> weight)
    {
        var roll = random.Next(items.Sum(weight));
        foreach (var item in items)
        {
            roll -= weight(item);
            if (roll < 0)
            {
                return item;
            }
        }
        return items[^1];
    }

    private static string Capitalize(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    private static string Base36(int value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var chars = new Stack<char>();
        do
        {
            chars.Push(digits[value % 36]);
            value /= 36;
        }
        while (value > 0);
        return new string([.. chars]);
    }
}

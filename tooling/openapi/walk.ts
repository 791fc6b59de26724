// A client generated from the OpenAPI document (openapi-typescript + openapi-fetch), walking the
// marketplace's main journey against a running API. Compiled with tsc --strict: a document that
// drifts from what this walk (and so an integrator) relies on fails the build; a server that
// drifts from the document fails the walk. Run by Marketplace.Tests/Platform/TypedClientWalkTests.cs,
// which starts the API on a real port and serves the test-only hooks (the mailbox, the fake Stripe).
import { createHmac, randomUUID } from "node:crypto";
import createClient from "openapi-fetch";
import type { components, paths } from "./build/schema.js";

type Schemas = components["schemas"];

const api = env("API_BASE");
const hooks = env("HOOKS_BASE");
const webhookSecret = env("WEBHOOK_SECRET");
const connectWebhookSecret = env("CONNECT_WEBHOOK_SECRET");
const prefix = "/api/v1/marketplace";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function client(token?: string) {
  return createClient<paths>({ baseUrl: api, headers: token ? { Authorization: `Bearer ${token}` } : {} });
}

/** The answer's data, or a failure naming the step, the status and the problem's code. */
function ok<T>(step: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined || !result.response.ok) {
    throw new Error(`${step}: HTTP ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  console.log(`ok  ${step} (${result.response.status})`);
  return result.data;
}

function expect(step: string, condition: boolean, detail: string) {
  if (!condition) throw new Error(`${step}: ${detail}`);
}

async function hook(path: string, method = "GET"): Promise<string> {
  const response = await fetch(`${hooks}${path}`, { method });
  if (!response.ok) throw new Error(`test hook ${path}: HTTP ${response.status}`);
  return response.text();
}

/** Stripe's scheme: Stripe-Signature t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>">. */
function stripeSignature(payload: string, secret: string): string {
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", secret).update(`${t}.${payload}`).digest("hex");
  return `t=${t},v1=${v1}`;
}

async function deliver(step: string, payload: string, secret: string): Promise<Schemas["WebhooksStripeResponse"]> {
  const answer = ok(step, await client().POST(`${prefix}/webhooks/stripe`, {
    params: { header: { "Stripe-Signature": stripeSignature(payload, secret) } },
    body: JSON.parse(payload) as Schemas["WebhooksStripeEventEnvelope"],
    // the signature covers the exact bytes Stripe sent
    bodySerializer: () => payload,
  }));
  expect(step, answer.received && answer.outcome === "applied", `outcome ${answer.outcome}`);
  return answer;
}

async function registerVerified(step: string, firstName: string): Promise<{ token: string; user: Schemas["AuthUserProfile"] }> {
  const email = `walk.${randomUUID()}@example.test`;
  const registered = ok(`${step}: register`, await client().POST(`${prefix}/auth/register`, {
    body: { email, password: "correct-horse-battery-staple", firstName, lastName: "Walker" },
  }));
  expect(step, registered.tokenType === "Bearer" && !registered.user.emailVerified, "a new account starts unverified");
  const token = await hook(`/verification-token?email=${encodeURIComponent(email)}`);
  const verified = await client().POST(`${prefix}/auth/verify-email`, { body: { token } });
  expect(`${step}: verify e-mail`, verified.response.status === 204, `HTTP ${verified.response.status}`);
  console.log(`ok  ${step}: verify e-mail (204)`);
  const me = ok(`${step}: me`, await client(registered.accessToken).GET(`${prefix}/auth/me`));
  expect(step, me.emailVerified, "verified after the mail's token");
  return { token: registered.accessToken, user: me };
}

async function main() {
  const started = Date.now();

  // a provider: account, provider profile, Stripe Connect onboarding finished (account.updated)
  const owner = await registerVerified("provider", "Paula");
  const providerApi = client(owner.token);
  const registered = ok("become a provider", await providerApi.POST(`${prefix}/providers/register`, {
    body: { businessName: `Walk Grooming ${randomUUID().slice(0, 8)}`, paymentMode: "stripe_connect", city: "Austin", state: "TX" },
  }));
  expect("become a provider", registered.status === "pending", `status ${registered.status}`);
  const connect = ok("start Stripe Connect", await providerApi.POST(`${prefix}/providers/me/stripe-connect`));
  await deliver("signed webhook account.updated", await hook(`/account-ready?account=${connect.accountId}`, "POST"), connectWebhookSecret);
  const active = ok("provider is active", await providerApi.GET(`${prefix}/providers/me`));
  expect("provider is active", active.status === "active", `status ${active.status}`);

  // a listing, published and found by a visitor
  const created = ok("create a listing", await providerApi.POST(`${prefix}/listings`, {
    body: {
      title: "Full groom for small dogs", description: "Bath, cut, nails and ears.", category: "grooming",
      priceType: "fixed", priceCents: 6500, city: "Austin", state: "TX",
    },
  }));
  const published = ok("publish", await providerApi.POST(`${prefix}/listings/{id}/publish`, { params: { path: { id: created.id } } }));
  expect("publish", published.status === "active", `status ${published.status}`);
  const page = ok("browse", await client().GET(`${prefix}/listings`, { params: { query: { category: "grooming", sort: "newest", limit: 50 } } }));
  expect("browse", page.items.some((item) => item.id === created.id), "the published listing is listed");
  const viewed = ok("view by slug", await client().GET(`${prefix}/listings/{idOrSlug}`, { params: { path: { idOrSlug: created.slug } } }));
  expect("view by slug", viewed.id === created.id && /[a-z]/.test(viewed.slug), "the slug reads the listing and contains a letter");

  // a client books, pays through Checkout (Stripe confirms by a signed webhook)
  const buyer = await registerVerified("client", "Carl");
  const clientApi = client(buyer.token);
  const booking = ok("book", await clientApi.POST(`${prefix}/transactions`, {
    params: { header: { "Idempotency-Key": randomUUID() } },
    body: { listingId: created.id, serviceNotes: "Bella is shy with clippers." },
  }));
  expect("book", booking.status === "invoiced" && booking.invoice !== null, `status ${booking.status}`);
  const invoiceId = booking.invoice!.id;
  const invoice = ok("invoice", await clientApi.GET(`${prefix}/invoices/{id}`, { params: { path: { id: invoiceId } } }));
  expect("invoice", invoice.totalCents === booking.totalCents && invoice.balanceCents > 0, "the invoice owes the booking's total");
  const checkout = ok("pay (Checkout)", await clientApi.POST(`${prefix}/invoices/{id}/pay`, {
    params: { path: { id: invoiceId }, header: { "Idempotency-Key": randomUUID() } },
  }));
  expect("pay (Checkout)", checkout.checkoutUrl.startsWith("https://"), `checkoutUrl ${checkout.checkoutUrl}`);
  await deliver("signed webhook checkout.session.completed", await hook(`/checkout-paid?session=${checkout.sessionId}`, "POST"), webhookSecret);
  const paid = ok("invoice paid", await clientApi.GET(`${prefix}/invoices/{id}`, { params: { path: { id: invoiceId } } }));
  expect("invoice paid", paid.status === "paid" && paid.balanceCents === 0, `status ${paid.status}`);

  // the work, the review and the answer to it
  const begun = ok("start", await providerApi.POST(`${prefix}/transactions/{id}/start`, { params: { path: { id: booking.id } } }));
  expect("start", begun.status === "in_progress", `status ${begun.status}`);
  const done = ok("complete", await providerApi.POST(`${prefix}/transactions/{id}/complete`, { params: { path: { id: booking.id } } }));
  expect("complete", done.status === "completed", `status ${done.status}`);
  const review = ok("review", await clientApi.POST(`${prefix}/reviews`, {
    body: { transactionId: booking.id, rating: 5, title: "Lovely", reviewText: "Bella came back calm and fluffy." },
  }));
  const answered = ok("respond", await providerApi.POST(`${prefix}/reviews/{id}/response`, {
    params: { path: { id: review.id } }, body: { providerResponse: "Thank you, see Bella next month!" },
  }));
  expect("respond", answered.providerResponse !== null, "the response is stored");

  // a conversation and the provider's dashboard
  const thread = ok("message", await clientApi.POST(`${prefix}/messages/threads`, {
    body: { providerId: active.id, transactionId: booking.id, body: "Thanks again, same time next month?" },
  }));
  ok("reply", await providerApi.POST(`${prefix}/messages/threads/{id}/messages`, {
    params: { path: { id: thread.id } }, body: { body: "Booked in my calendar." },
  }));
  const conversation = ok("read the thread", await clientApi.GET(`${prefix}/messages/threads/{id}`, { params: { path: { id: thread.id } } }));
  expect("read the thread", conversation.messages.items.length === 2, `${conversation.messages.items.length} messages`);
  const dashboard = ok("dashboard", await providerApi.GET(`${prefix}/providers/me/dashboard`));
  expect("dashboard", dashboard.transactions.completed >= 1 && dashboard.rating.reviews >= 1, JSON.stringify(dashboard.transactions));

  console.log(`walk finished in ${Date.now() - started} ms`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

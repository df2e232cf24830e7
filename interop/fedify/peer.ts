// A small ActivityPub server on Fedify that the interop suite drives over HTTP.
//
// It serves one actor (`/users/peer`) with an RSA key (HTTP signatures) and an Ed25519 key
// (object proofs), records everything that reaches its inboxes, and takes commands on
// `/_control/*` (loopback only, like the rest of the suite):
//
//   GET  /_control/health                 → {"ok": true, "actor": "<actor id>"}
//   GET  /_control/received               → {"received": [...], "verified": [...]}
//   GET  /_control/outgoing               → every request this peer sent, with the answer
//   POST /_control/lookup   {url}         → how Fedify reads the document at url
//   POST /_control/collection {url}       → the items Fedify finds walking a collection's pages
//   POST /_control/follow   {actor}       → Follow sent
//   POST /_control/unfollow {actor}       → Undo(Follow) sent
//   POST /_control/reply    {url, text}   → Create(Note) with inReplyTo url, to the author
//   POST /_control/like     {url}         → Like sent to the author
//   POST /_control/boost    {url}         → Announce sent to the author
//   POST /_control/undo     {id}          → Undo of a like or boost this peer sent
//   POST /_control/quote    {url, text}   → a Note quoting url, and a QuoteRequest for it to
//                                           the author (FEP-044f, as Mastodon 4.5 asks)
//   POST /_control/verify-proof {json}    → whether Fedify's verifyObject accepts the
//                                           activity's integrity proofs (FEP-8b32), fetching
//                                           the keys they name
//
// Usage: deno run -A peer.ts PORT FIRST_KNOCK [ORIGIN]
//   FIRST_KNOCK: rfc9421 | draft-cavage-http-signatures-12
//   ORIGIN: the base URL the peer names itself by (actor and key ids, WebFinger), default
//   http://localhost:PORT. It listens on 127.0.0.1 whatever the origin: a host name rather than
//   an address, because servers that fetch only from domain names (Chorus does) refuse
//   http://127.0.0.1:PORT.

import { AsyncLocalStorage } from "node:async_hooks";
import { configure, getConsoleSink } from "@logtape/logtape";
import {
  createFederation,
  generateCryptoKeyPair,
  MemoryKvStore,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Announce,
  Create,
  Endpoints,
  Follow,
  Hashtag,
  isActor,
  Like,
  Move,
  Note,
  Person,
  PUBLIC_COLLECTION,
  QuoteRequest,
  Undo,
} from "@fedify/vocab";

// Fedify's own warnings and errors go to the peer's log (the suite keeps it with the run).
await configure({
  sinks: { console: getConsoleSink() },
  contextLocalStorage: new AsyncLocalStorage(),
  loggers: [
    { category: "fedify", lowestLevel: "warning", sinks: ["console"] },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
  ],
});

const port = Number(Deno.args[0] ?? "0");
const firstKnock = (Deno.args[1] ?? "rfc9421") as
  | "rfc9421"
  | "draft-cavage-http-signatures-12";
if (!port) {
  console.error("usage: peer.ts PORT [rfc9421|draft-cavage-http-signatures-12] [ORIGIN]");
  Deno.exit(2);
}
const origin = Deno.args[2] ?? `http://localhost:${port}`;
const IDENTIFIER = "peer";

// ---------------------------------------------------------------------------------------
// What went out: every request Fedify makes (fetches and deliveries), with the scheme of
// its signature and the status it got. Recorded by wrapping the global fetch.
type Outgoing = {
  method: string;
  url: string;
  scheme: "rfc9421" | "draft-cavage" | "unsigned";
  headers: Record<string, string>;
  body: string | null;
  status: number | null;
  error: string | null;
};
const outgoing: Outgoing[] = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
  const request = new Request(input, init);
  const body = request.body ? await request.clone().text() : null;
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => (headers[k] = v));
  const scheme = request.headers.has("signature-input")
    ? "rfc9421"
    : request.headers.has("signature")
    ? "draft-cavage"
    : "unsigned";
  const entry: Outgoing = {
    method: request.method,
    url: request.url,
    scheme,
    headers,
    body,
    status: null,
    error: null,
  };
  outgoing.push(entry);
  const host = new URL(request.url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "[::1]") {
    // The suite talks to loopback only.
    entry.error = "refused: not a loopback address";
    throw new TypeError(`refused to fetch ${request.url}: not a loopback address`);
  }
  try {
    const response = await realFetch(request);
    entry.status = response.status;
    return response;
  } catch (e) {
    entry.error = String(e);
    throw e;
  }
};

// ---------------------------------------------------------------------------------------
// What came in: every POST to an inbox (raw, with Fedify's answer), and the activities that
// passed Fedify's checks and reached the listener.
type Received = {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
};
const received: Received[] = [];
const verified: { id: string | null; type: string; actor: string | null; json: unknown }[] = [];

const federation = createFederation<void>({
  kv: new MemoryKvStore(),
  allowPrivateAddress: true,
  firstKnock,
  // Every URL the peer makes uses this origin, whatever host a request named.
  origin,
});

const keys = [
  await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
  await generateCryptoKeyPair("Ed25519"),
];

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== IDENTIFIER) return null;
    const pairs = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Interop peer",
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: pairs[0].cryptographicKey,
      assertionMethods: pairs.map((p) => p.multikey),
    });
  })
  .setKeyPairsDispatcher((_ctx, identifier) => identifier === IDENTIFIER ? keys : []);

// Notes this peer wrote, served so that a server may fetch them.
const notes = new Map<string, Note>();
federation.setObjectDispatcher(Note, "/notes/{id}", (_ctx, values) => notes.get(values.id) ?? null);

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Activity, async (ctx, activity) => {
    verified.push({
      id: activity.id?.href ?? null,
      type: activity.constructor.name,
      actor: activity.actorId?.href ?? null,
      json: await activity.toJsonLd({ format: "compact" }),
    });
    // Follows of this peer are accepted at once.
    const me = ctx.getActorUri(IDENTIFIER);
    // A followed account moved (as Mastodon does it): when the target names the mover among
    // its aliases (`alsoKnownAs`), follow the target instead.
    if (activity instanceof Move) {
      console.error(`Move of ${activity.objectId?.href} by ${activity.actorId?.href}; following ${[...follows.keys()]}`);
    }
    if (activity instanceof Move && activity.actorId != null &&
        activity.objectId?.href === activity.actorId.href && follows.has(activity.actorId.href)) {
      const target = await activity.getTarget(ctx);
      if (target == null || !isActor(target)) {
        console.error(`Move of ${activity.actorId.href}: the target is not an actor`);
        return;
      }
      const aliases = target.aliasIds.map((u: URL) => u.href);
      if (!aliases.includes(activity.actorId.href)) {
        console.error(`Move of ${activity.actorId.href}: ${target.id?.href} does not name it (${aliases})`);
        return;
      }
      const follow = new Follow({ id: newId(ctx, "follows"), actor: me, object: target.id });
      follows.delete(activity.actorId.href);
      follows.set(target.id!.href, follow);
      await ctx.sendActivity({ identifier: IDENTIFIER }, target, follow, { immediate: true });
      console.error(`Move of ${activity.actorId.href}: now following ${target.id!.href}`);
      return;
    }
    if (activity instanceof Follow && activity.objectId?.href === me.href) {
      const follower = await activity.getActor(ctx);
      if (follower == null) return;
      const accept = new Accept({ id: newId(ctx, "accepts"), actor: me, object: activity });
      await ctx.sendActivity({ identifier: IDENTIFIER }, follower, accept, { immediate: true });
    }
  });

// ---------------------------------------------------------------------------------------
// Commands.

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body, null, 1), {
    status,
    headers: { "content-type": "application/json" },
  });
}

const iso = (t: { toString(): string } | null | undefined) => (t ? t.toString() : null);

// What Fedify made of a document: the fields the suite checks, as Fedify's vocabulary reads them.
async function describe(ctx: ReturnType<typeof federation.createContext>, obj: any) {
  const view: Record<string, unknown> = {
    class: obj.constructor.name,
    id: obj.id?.href ?? null,
  };
  if (isActor(obj)) {
    const key = await obj.getPublicKey({ documentLoader: ctx.documentLoader });
    Object.assign(view, {
      preferredUsername: obj.preferredUsername?.toString() ?? null,
      name: obj.name?.toString() ?? null,
      inbox: obj.inboxId?.href ?? null,
      outbox: obj.outboxId?.href ?? null,
      followers: obj.followersId?.href ?? null,
      following: obj.followingId?.href ?? null,
      sharedInbox: obj.endpoints?.sharedInbox?.href ?? null,
      publicKey: key
        ? { id: key.id?.href ?? null, owner: key.ownerId?.href ?? null, hasKey: key.publicKey != null }
        : null,
    });
  } else {
    const tags = [];
    for await (const t of obj.getTags({ documentLoader: ctx.documentLoader })) {
      tags.push({ class: t.constructor.name, name: t.name?.toString() ?? null, href: t.href?.href ?? null });
    }
    Object.assign(view, {
      name: obj.name?.toString() ?? null,
      summary: obj.summary?.toString() ?? null,
      content: obj.content?.toString() ?? null,
      mediaType: obj.mediaType ?? null,
      url: obj.url?.href ?? obj.url?.href?.href ?? null,
      attributedTo: obj.attributionId?.href ?? null,
      published: iso(obj.published),
      updated: iso(obj.updated),
      to: obj.toIds.map((u: URL) => u.href),
      cc: obj.ccIds.map((u: URL) => u.href),
      tags,
      hashtags: tags.filter((t) => t.class === Hashtag.name).length,
    });
  }
  return view;
}

// Follows sent, by target actor, so that an unfollow can undo the same Follow; replies, likes
// and boosts sent, by id, so that they can be undone.
const follows = new Map<string, Follow>();
const reactions = new Map<string, { activity: Activity; recipient: any }>();
let counter = 0;
const newId = (ctx: { origin: string }, kind: string) =>
  new URL(`/${kind}/${Date.now()}-${++counter}`, ctx.origin);

async function lookup(ctx: any, url: string) {
  const obj = await ctx.lookupObject(url);
  if (obj == null) throw new Error(`Fedify could not look up ${url}`);
  return obj;
}

async function command(request: Request, name: string): Promise<Response> {
  const ctx = federation.createContext(request, undefined);
  const args = request.method === "POST" ? await request.json() : {};
  const me = ctx.getActorUri(IDENTIFIER);
  const sender = { identifier: IDENTIFIER };
  switch (name) {
    case "health":
      return json(200, { ok: true, actor: me.href });
    case "received":
      return json(200, { received, verified });
    case "outgoing":
      return json(200, { outgoing });
    case "lookup": {
      const obj = await lookup(ctx, args.url);
      return json(200, await describe(ctx, obj));
    }
    case "collection": {
      // Walks a collection page by page, as Fedify does for any server.
      const coll = await lookup(ctx, args.url);
      const items = [];
      for await (const item of ctx.traverseCollection(coll)) {
        const it = item as any;
        items.push({
          class: it.constructor.name,
          id: it.id?.href ?? it.href?.href ?? null,
          object: typeof it.objectId !== "undefined" ? it.objectId?.href ?? null : null,
        });
        if (items.length >= 500) break;
      }
      return json(200, { class: coll.constructor.name, totalItems: (coll as any).totalItems ?? null, items });
    }
    case "follow": {
      const target = await lookup(ctx, args.actor);
      if (!isActor(target)) throw new Error(`${args.actor} is not an actor`);
      const follow = new Follow({ id: newId(ctx, "follows"), actor: me, object: target.id });
      follows.set(target.id!.href, follow);
      await ctx.sendActivity(sender, target, follow, { immediate: true });
      return json(200, { sent: follow.id!.href });
    }
    case "unfollow": {
      const target = await lookup(ctx, args.actor);
      if (!isActor(target)) throw new Error(`${args.actor} is not an actor`);
      const follow = follows.get(target.id!.href);
      if (!follow) throw new Error(`this peer does not follow ${args.actor}`);
      const undo = new Undo({ id: newId(ctx, "undos"), actor: me, object: follow });
      await ctx.sendActivity(sender, target, undo, { immediate: true });
      follows.delete(target.id!.href);
      return json(200, { sent: undo.id!.href });
    }
    case "reply":
    case "like":
    case "boost": {
      const post = await lookup(ctx, args.url);
      const authorId = post.attributionId;
      if (!authorId) throw new Error(`${args.url} has no attributedTo`);
      const author = await lookup(ctx, authorId.href);
      let activity;
      if (name === "reply") {
        const noteId = newId(ctx, "notes");
        const note = new Note({
          id: noteId,
          attribution: me,
          content: args.text ?? "A reply from the interop peer.",
          replyTarget: post.id,
          to: PUBLIC_COLLECTION,
          cc: author.id,
          published: Temporal.Now.instant(),
        });
        notes.set(noteId.pathname.split("/").pop()!, note);
        activity = new Create({
          id: new URL(noteId.href + "/activity"),
          actor: me,
          object: note,
          to: PUBLIC_COLLECTION,
          cc: author.id,
        });
      } else if (name === "like") {
        activity = new Like({ id: newId(ctx, "likes"), actor: me, object: post.id });
      } else {
        activity = new Announce({
          id: newId(ctx, "announces"),
          actor: me,
          object: post.id,
          to: PUBLIC_COLLECTION,
          cc: author.id,
          published: Temporal.Now.instant(),
        });
      }
      await ctx.sendActivity(sender, author, activity, { immediate: true });
      reactions.set(activity.id!.href, { activity, recipient: author });
      return json(200, { sent: activity.id!.href });
    }
    case "quote": {
      const post = await lookup(ctx, args.url);
      const authorId = post.attributionId;
      if (!authorId) throw new Error(`${args.url} has no attributedTo`);
      const author = await lookup(ctx, authorId.href);
      const noteId = newId(ctx, "notes");
      const note = new Note({
        id: noteId,
        attribution: me,
        content: args.text ?? "A quote from the interop peer.",
        quote: post.id,
        to: PUBLIC_COLLECTION,
        cc: author.id,
        published: Temporal.Now.instant(),
      });
      notes.set(noteId.pathname.split("/").pop()!, note);
      const request = new QuoteRequest({
        id: newId(ctx, "quote-requests"),
        actor: me,
        object: post.id,
        instrument: note,
      });
      await ctx.sendActivity(sender, author, request, { immediate: true });
      return json(200, { sent: request.id!.href, note: noteId.href });
    }
    case "verify-proof": {
      // Fedify's own check of object integrity proofs: every proof must verify with a key
      // whose controller is the activity's actor.
      const fedify: any = await import("@fedify/fedify");
      if (typeof fedify.verifyObject !== "function") throw new Error("this Fedify has no verifyObject");
      const obj = await fedify.verifyObject(Activity, args.json, {
        documentLoader: ctx.documentLoader,
        contextLoader: ctx.contextLoader,
      });
      return json(200, { verified: obj != null });
    }
    case "undo": {
      // Takes back a reply, like or boost this peer sent.
      const sent = reactions.get(args.id);
      if (!sent) throw new Error(`this peer sent no ${args.id}`);
      const undo = new Undo({ id: newId(ctx, "undos"), actor: me, object: sent.activity });
      await ctx.sendActivity(sender, sent.recipient, undo, { immediate: true });
      reactions.delete(args.id);
      return json(200, { sent: undo.id!.href });
    }
  }
  return json(404, { error: `unknown command ${name}` });
}

Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, async (request) => {
  const url = new URL(request.url);
  if (url.pathname.startsWith("/_control/")) {
    try {
      return await command(request, url.pathname.slice("/_control/".length));
    } catch (e) {
      return json(500, { error: String(e) });
    }
  }
  if (request.method === "POST") {
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => (headers[k] = v));
    const body = await request.clone().text();
    const response = await federation.fetch(request, { contextData: undefined });
    received.push({ path: url.pathname, headers, body, status: response.status });
    return response;
  }
  return await federation.fetch(request, { contextData: undefined });
});
console.log(`peer ${origin} listening on 127.0.0.1:${port} (first knock: ${firstKnock})`);

//! Chorus: a self-hosted ActivityPub publishing server for communities of writers.
//!
//! The module tree is the architecture (ARCHITECTURE.md): layers from the entry points down to
//! the plain rules; a module imports only its own layer or those below. `app` is the shared
//! state every layer receives.

// Entry points of the process.
/// The command line: serve, migrate, users, posts, site, community, follows.
pub mod cli;
/// `chorus serve`: start-up, background tasks and graceful shutdown.
pub mod server;

// HTTP in, and HTML out.
/// The HTTP error type: status codes and pages, no internal details.
pub mod error;
/// ActivityPub in: the inboxes, one wire struct per activity, calling the same write paths.
pub mod inbox;
/// Server-rendered HTML templates, their view models, and the static assets.
pub mod templates;
/// HTTP in: the one route table and the handlers for readers, authors, admins, peers, operators.
pub mod web;

// The write paths.
/// The one write path per aggregate: posts, accounts, profiles, moderation, community.
pub mod actions;

// The protocol and what it needs.
/// Rendered pages in memory, and which pages each content change makes stale.
pub mod cache;
/// ActivityPub out and the protocol: documents, fetching, signatures, the outbox.
pub mod federation;
/// Uploaded images: checks, re-encoding without metadata, width variants, files and URLs.
pub mod media;
/// The persistent delivery queue: workers, leases, retries, and the policy's constants.
pub mod queue;

// Data and rules.
/// Configuration from defaults, `chorus.toml` and `CHORUS_*` variables.
pub mod config;
/// Plain rules: usernames, slugs, tags, roles, posts, front matter, Markdown, secrets.
pub mod domain;
/// Every SQL statement, on SQLite or PostgreSQL; one writer per table.
pub mod storage;
/// Logging setup.
pub mod telemetry;
/// Every URL of the site, in both directions.
pub mod urls;

/// The shared state handed to handlers, commands and background tasks.
pub mod app;

//! Chorus: a self-hosted ActivityPub publishing server for communities of writers.
//!
//! The module tree follows the data flow; each line says what a module is for.

/// The one write path per aggregate: posts, accounts, profiles, moderation, community.
pub mod actions;
/// Shared state handed to handlers, commands and background tasks.
pub mod app;
/// Rendered pages in memory, and which pages each content change makes stale.
pub mod cache;
/// The command line: serve, migrate, users, posts, site.
pub mod cli;
/// Configuration from defaults, `chorus.toml` and `CHORUS_*` variables.
pub mod config;
/// Plain rules: usernames, slugs, tags, roles, posts, front matter, Markdown.
pub mod domain;
/// The HTTP error type: status codes and pages, no internal details.
pub mod error;
/// ActivityPub in and out: discovery, actors, inbox, outbox, signatures.
pub mod federation;
/// ActivityPub in: the inboxes, one wire struct per activity, calling the same write paths.
pub mod inbox;
/// Uploaded images: checks, re-encoding without metadata, width variants, files and URLs.
pub mod media;
/// The persistent delivery queue: rows per (activity, inbox), leases, retries, workers.
pub mod queue;
/// Start-up, background tasks and shutdown of `chorus serve`.
pub mod server;
/// Every SQL statement, on SQLite or PostgreSQL.
pub mod storage;
/// Logging setup.
pub mod telemetry;
/// Server-rendered HTML templates and their view models.
pub mod templates;
/// Every URL of the site, in both directions.
pub mod urls;
/// HTTP for people: pages, feeds, static files, the page cache.
pub mod web;

//! Chorus's integration tests, as one test binary: one module per story, each told in its
//! module's first comment, all sharing the harness in `tests/support` (compiled once).
//!
//! Every storage and HTTP test runs on SQLite, and on PostgreSQL too when
//! `CHORUS_TEST_POSTGRES_URL` is set. Two tests stand apart as binaries of their own: the
//! browser test (`tests/browser.rs`, Chromium over WebDriver) and the crash test
//! (`tests/delivery_crash.rs`, which kills a server with `kill -9`).
//!
//! Run one story with `cargo test --test suite pages::`, one test by its name.

#[path = "../support/mod.rs"]
mod support;

// What readers meet.
mod feeds;
mod front;
mod pages;
mod reading;
mod search;
mod series;

// What writers meet.
mod cli;
mod edit_links;
mod editor;
mod import_export;
mod media;
mod media_store;
mod micropub;
mod moves;
mod profile;
mod time_zones;
mod write_paths;

// Joining and running a site.
mod admin;
mod admin_overview;
mod moderation;
mod operations;
mod registration;
mod review_and_moderation;
mod review_in_editor;

// What other servers meet.
mod activitypub_documents;
mod community_groups;
mod conversations;
mod delivery;
mod federation;
mod federation_health;
mod followers_sync;
mod hostile;
mod indieauth;
mod limits;
mod pins;
mod quotes;
mod signatures;
mod strict_peers;
mod webmention;

// What lies underneath.
mod architecture;
mod metrics;
mod storage;

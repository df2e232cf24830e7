//! One clock for the whole server, at millisecond precision so that every edit gets a
//! distinct, strictly later `updated` time (peers ignore an Update without a newer one).

use chrono::{DateTime, SubsecRound, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// `2026-11-24T09:30:00.123Z`, the form feeds and ActivityPub use. Milliseconds matter: an
/// edit in the same second as the publication must still carry a later `updated`.
pub fn iso(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `24 November 2026`, for people.
pub fn human_date(t: &DateTime<Utc>) -> String {
    t.format("%-d %B %Y").to_string()
}

/// `24 November 2026, 09:30 UTC`, for people.
pub fn human_date_time(t: &DateTime<Utc>) -> String {
    t.format("%-d %B %Y, %H:%M UTC").to_string()
}

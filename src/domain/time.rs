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

/// `24 Nov 2026, 09:30`, where space is short (tables of admin pages); UTC.
pub fn short_date_time(t: &DateTime<Utc>) -> String {
    t.format("%-d %b %Y, %H:%M").to_string()
}

/// `5 minutes`, `3 hours`, `2 days`: how long something has waited, roughly, for people.
pub fn human_age(age: chrono::Duration) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    match age.num_minutes() {
        m if m < 1 => "less than a minute".to_owned(),
        m if m < 60 => plural(m, "minute"),
        m if m < 48 * 60 => plural(m / 60, "hour"),
        m => plural(m / (24 * 60), "day"),
    }
}

#[cfg(test)]
mod age_tests {
    use super::human_age;
    use chrono::Duration;

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(human_age(Duration::seconds(20)), "less than a minute");
        assert_eq!(human_age(Duration::minutes(1)), "1 minute");
        assert_eq!(human_age(Duration::minutes(59)), "59 minutes");
        assert_eq!(human_age(Duration::hours(3)), "3 hours");
        assert_eq!(human_age(Duration::hours(47)), "47 hours");
        assert_eq!(human_age(Duration::days(5)), "5 days");
    }
}

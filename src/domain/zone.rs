//! Time zones: each person's zone by its IANA name (`Europe/Berlin`), from the time zone
//! database that `chrono-tz` carries, and wall-clock times read and shown in it. Times are
//! stored in UTC; a zone only changes how a person types and reads them.

use std::fmt;

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A time zone of the IANA database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(Tz);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    #[error(
        "there is no time zone called {0:?}: choose one from the list, such as Europe/Berlin or America/New_York"
    )]
    Unknown(String),
    #[error(
        "{time} does not exist in {zone}: the clocks skip that hour when they change; choose another time"
    )]
    Skipped { time: String, zone: String },
}

impl Zone {
    pub const UTC: Zone = Zone(Tz::UTC);

    /// The zone named `name` exactly as the IANA database spells it (`America/New_York`).
    pub fn parse(name: &str) -> Result<Zone, ZoneError> {
        let name = name.trim();
        name.parse::<Tz>()
            .map(Zone)
            .map_err(|_| ZoneError::Unknown(name.chars().take(100).collect()))
    }

    /// A zone read back from storage; one no longer in the database reads as UTC.
    pub fn from_stored(name: &str) -> Zone {
        Zone::parse(name).unwrap_or(Zone::UTC)
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// Every zone a person may choose, by name, in the database's order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|z| z.name())
    }

    /// The moment that `local`, a wall-clock time in this zone, names. When clocks go back
    /// an hour happens twice: the first is meant. When they go forward an hour does not
    /// exist at all: that is an error to show.
    pub fn to_utc(self, local: NaiveDateTime) -> Result<DateTime<Utc>, ZoneError> {
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
            LocalResult::None => Err(ZoneError::Skipped {
                time: local.format("%Y-%m-%d %H:%M").to_string(),
                zone: self.name().to_owned(),
            }),
        }
    }

    /// `t` as a wall-clock time in this zone.
    pub fn local(self, t: &DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.0).naive_local()
    }

    /// `2026-11-24 10:30 CET`: `t` for people, in this zone.
    pub fn show(self, t: &DateTime<Utc>) -> String {
        t.with_timezone(&self.0)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    #[test]
    fn zones_are_read_by_their_iana_names() {
        assert_eq!(
            Zone::parse(" Europe/Berlin ").unwrap().name(),
            "Europe/Berlin"
        );
        assert_eq!(Zone::parse("UTC").unwrap(), Zone::UTC);
        assert!(matches!(
            Zone::parse("Mars/Olympus_Mons"),
            Err(ZoneError::Unknown(n)) if n == "Mars/Olympus_Mons"
        ));
        assert!(Zone::parse("").is_err());
        assert_eq!(Zone::from_stored("Atlantis/Capital"), Zone::UTC);
        assert!(Zone::names().any(|n| n == "Asia/Kolkata"));
    }

    #[test]
    fn wall_clock_times_become_utc_and_back() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        let winter = berlin.to_utc(at("2027-01-15T09:30")).unwrap();
        assert_eq!(winter.to_rfc3339(), "2027-01-15T08:30:00+00:00");
        let summer = berlin.to_utc(at("2027-07-15T09:30")).unwrap();
        assert_eq!(summer.to_rfc3339(), "2027-07-15T07:30:00+00:00");
        assert_eq!(berlin.local(&summer), at("2027-07-15T09:30"));
        assert_eq!(berlin.show(&winter), "2027-01-15 09:30 CET");
        let kolkata = Zone::parse("Asia/Kolkata").unwrap();
        assert_eq!(
            kolkata.to_utc(at("2027-01-15T09:30")).unwrap().to_rfc3339(),
            "2027-01-15T04:00:00+00:00"
        );
    }

    #[test]
    fn a_skipped_hour_is_an_error_and_a_repeated_one_means_the_first() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        // Clocks went from 02:00 to 03:00 on 28 March 2027.
        assert!(matches!(
            berlin.to_utc(at("2027-03-28T02:30")),
            Err(ZoneError::Skipped { .. })
        ));
        // And from 03:00 back to 02:00 on 31 October 2027: 02:30 happened twice.
        let twice = berlin.to_utc(at("2027-10-31T02:30")).unwrap();
        assert_eq!(twice.to_rfc3339(), "2027-10-31T00:30:00+00:00");
    }
}

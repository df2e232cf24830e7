//! Which HTTP signature scheme each instance is sent: RFC 9421 first; draft-cavage for an
//! instance that refused RFC 9421 and took draft-cavage, remembered in `instances` and tried
//! with RFC 9421 again after [`super::policy::SIGNATURE_REPROBE_AFTER`].

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;

use crate::federation::signatures::Scheme;
use crate::storage::instances;
use crate::storage::{Db, Result};

/// The stored name of a scheme.
pub fn name(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Rfc9421 => "rfc9421",
        Scheme::Cavage => "cavage",
    }
}

/// What an instance is sent now: draft-cavage while a remembered "cavage" is younger than
/// `reprobe_after`, RFC 9421 otherwise (nothing learned yet, RFC 9421 learned, or time to
/// offer it again).
pub fn choose(
    remembered: Option<&(String, DateTime<Utc>)>,
    now: DateTime<Utc>,
    reprobe_after: Duration,
) -> Scheme {
    match remembered {
        Some((scheme, at))
            if scheme == "cavage" && (now - *at).to_std().unwrap_or_default() < reprobe_after =>
        {
            Scheme::Cavage
        }
        _ => Scheme::Rfc9421,
    }
}

/// The scheme to use for each of `domains`.
pub async fn for_domains(
    db: &Db,
    domains: &HashSet<&str>,
    now: DateTime<Utc>,
    reprobe_after: Duration,
) -> Result<HashMap<String, (Scheme, bool)>> {
    let mut out = HashMap::with_capacity(domains.len());
    for domain in domains {
        let remembered = instances::find_signature_scheme(db, domain).await?;
        let scheme = choose(remembered.as_ref(), now, reprobe_after);
        // Whether RFC 9421 is already known to work there (nothing to store when it does again).
        let known = remembered.is_some_and(|(s, _)| s == name(scheme));
        out.insert((*domain).to_owned(), (scheme, known));
    }
    Ok(out)
}

/// Whether an answer to an RFC 9421-signed delivery says the signature was not understood,
/// so the same delivery is sent again at once signed with draft-cavage: 400 and 401 (what
/// servers answer a signature they cannot read or verify), 403 (some answer that). A 503
/// (Mastodon while it cannot fetch the key) is not: that is "try later".
pub fn refused_signature(status: StatusCode) -> bool {
    matches!(status.as_u16(), 400 | 401 | 403)
}

/// Stores what was learned in a batch.
pub async fn record(db: &Db, learned: &HashMap<String, Scheme>, now: DateTime<Utc>) -> Result<()> {
    for (domain, scheme) in learned {
        instances::record_signature_scheme(db, domain, name(*scheme), now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEK: Duration = Duration::from_secs(7 * 24 * 60 * 60);

    #[test]
    fn rfc9421_first_cavage_when_learned_and_rfc9421_again_after_a_while() {
        let now = Utc::now();
        assert_eq!(choose(None, now, WEEK), Scheme::Rfc9421);
        let rfc = ("rfc9421".to_owned(), now);
        assert_eq!(choose(Some(&rfc), now, WEEK), Scheme::Rfc9421);
        let cavage = ("cavage".to_owned(), now - chrono::Duration::days(1));
        assert_eq!(choose(Some(&cavage), now, WEEK), Scheme::Cavage);
        let old = ("cavage".to_owned(), now - chrono::Duration::days(8));
        assert_eq!(choose(Some(&old), now, WEEK), Scheme::Rfc9421);
    }

    #[test]
    fn only_signature_refusals_fall_back() {
        for code in [400, 401, 403] {
            assert!(refused_signature(StatusCode::from_u16(code).unwrap()));
        }
        for code in [202, 404, 410, 429, 500, 503] {
            assert!(!refused_signature(StatusCode::from_u16(code).unwrap()));
        }
    }
}

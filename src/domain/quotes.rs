//! Quote consent (FEP-044f, as Mastodon 4.5 reads it): who may quote a post, and what a quote
//! request gets under that policy. Mastodon lets its users quote a post only when the post
//! publishes a policy; a quote is asked for with `QuoteRequest` and allowed by an `Accept`
//! that points at a `QuoteAuthorization` served by this site.

use std::fmt;
use std::str::FromStr;

/// Who may quote a post.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum QuotePolicy {
    /// Anyone: amplification is the point of publishing, so this is the site's default.
    #[default]
    Anyone,
    /// Followers of the author or of the community.
    Followers,
    /// Nobody but the author.
    Nobody,
    /// Each request waits for the author to allow or refuse it.
    Ask,
}

impl QuotePolicy {
    pub const ALL: [QuotePolicy; 4] = [
        QuotePolicy::Anyone,
        QuotePolicy::Followers,
        QuotePolicy::Nobody,
        QuotePolicy::Ask,
    ];

    /// How a form offers it.
    pub fn label(self) -> &'static str {
        match self {
            QuotePolicy::Anyone => "Anyone: quotes are allowed at once",
            QuotePolicy::Followers => "Followers of the author or the community",
            QuotePolicy::Nobody => "Nobody",
            QuotePolicy::Ask => "Ask the author each time (on the Quotes page)",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QuotePolicy::Anyone => "anyone",
            QuotePolicy::Followers => "followers",
            QuotePolicy::Nobody => "nobody",
            QuotePolicy::Ask => "ask",
        }
    }

    /// What a quote request from someone gets: `follows` says whether the requester follows
    /// the author or the community.
    pub fn decide(self, follows: bool) -> QuoteDecision {
        match self {
            QuotePolicy::Anyone => QuoteDecision::Accept,
            QuotePolicy::Followers if follows => QuoteDecision::Accept,
            QuotePolicy::Followers | QuotePolicy::Nobody => QuoteDecision::Reject,
            QuotePolicy::Ask => QuoteDecision::Hold,
        }
    }
}

/// The answer to a quote request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteDecision {
    Accept,
    Reject,
    /// The author decides later.
    Hold,
}

/// Where a quote request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteState {
    /// Held for the author (policy `ask`).
    Pending,
    Allowed,
    Refused,
}

impl QuoteState {
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteState::Pending => "pending",
            QuoteState::Allowed => "allowed",
            QuoteState::Refused => "refused",
        }
    }

    /// A stored state (the column is constrained to these).
    pub fn from_stored(s: &str) -> QuoteState {
        match s {
            "pending" => QuoteState::Pending,
            "allowed" => QuoteState::Allowed,
            _ => QuoteState::Refused,
        }
    }
}

impl fmt::Display for QuotePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a quote policy: use anyone, followers, nobody or ask")]
pub struct QuotePolicyError(pub String);

impl FromStr for QuotePolicy {
    type Err = QuotePolicyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "anyone" => Ok(QuotePolicy::Anyone),
            "followers" => Ok(QuotePolicy::Followers),
            "nobody" => Ok(QuotePolicy::Nobody),
            "ask" => Ok(QuotePolicy::Ask),
            _ => Err(QuotePolicyError(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_policy_answers_a_request_as_it_says() {
        assert_eq!(QuotePolicy::Anyone.decide(false), QuoteDecision::Accept);
        assert_eq!(QuotePolicy::Followers.decide(true), QuoteDecision::Accept);
        assert_eq!(QuotePolicy::Followers.decide(false), QuoteDecision::Reject);
        assert_eq!(QuotePolicy::Nobody.decide(true), QuoteDecision::Reject);
        assert_eq!(QuotePolicy::Ask.decide(true), QuoteDecision::Hold);
    }

    #[test]
    fn policies_read_back_what_they_write() {
        for p in [
            QuotePolicy::Anyone,
            QuotePolicy::Followers,
            QuotePolicy::Nobody,
            QuotePolicy::Ask,
        ] {
            assert_eq!(p.as_str().parse::<QuotePolicy>(), Ok(p));
        }
        assert_eq!(" Nobody ".parse::<QuotePolicy>(), Ok(QuotePolicy::Nobody));
        assert!("everyone".parse::<QuotePolicy>().is_err());
    }
}

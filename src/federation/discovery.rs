//! The WebFinger answers this server gives, in the ActivityPub crate's JRD types.

use activitypub_federation::fetch::webfinger::{Webfinger, WebfingerLink};
use url::Url;

/// The JRD naming `actor` as `subject`'s ActivityPub actor and its profile page.
pub fn jrd(subject: &str, actor: &Url) -> Webfinger {
    Webfinger {
        subject: subject.to_owned(),
        aliases: vec![actor.clone()],
        links: vec![
            WebfingerLink {
                rel: Some("self".into()),
                kind: Some("application/activity+json".into()),
                href: Some(actor.clone()),
                ..Default::default()
            },
            WebfingerLink {
                rel: Some("http://webfinger.net/rel/profile-page".into()),
                kind: Some("text/html".into()),
                href: Some(actor.clone()),
                ..Default::default()
            },
        ],
        properties: Default::default(),
    }
}

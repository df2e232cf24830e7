//! The JSON documents Chorus serves and sends: actors, articles, collections, tombstones.

pub mod actor;
pub mod article;
pub mod collections;
pub mod peer;
pub mod quote;
pub mod remote_post;

use serde_json::{Value, json};

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
pub const ACTIVITY_JSON: &str = "application/activity+json; charset=utf-8";

/// The `@context` of every document: ActivityStreams, security (keys), Data Integrity and
/// Multikey (proofs and the `Multikey` type, as Mastodon and Fedify name them), and the
/// Mastodon and GoToSocial extension terms our documents use. `assertionMethod` is defined
/// here as the DID context defines it: neither of the other two defines it at the top level,
/// and without it JSON-LD readers (Fedify) drop the actor's Ed25519 key.
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        "https://w3id.org/security/data-integrity/v1",
        "https://w3id.org/security/multikey/v1",
        {
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
            "attributionDomains": {"@id": "toot:attributionDomains", "@type": "@id"},
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
            "movedTo": {"@id": "as:movedTo", "@type": "@id"},
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "gts": "https://gotosocial.org/ns#",
            "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
            "canReply": {"@id": "gts:canReply", "@type": "@id"},
            "canLike": {"@id": "gts:canLike", "@type": "@id"},
            "canAnnounce": {"@id": "gts:canAnnounce", "@type": "@id"},
            "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
            "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
            "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"},
            "quote": {"@id": "https://w3id.org/fep/044f#quote", "@type": "@id"},
            "quoteAuthorization": {"@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id"},
            "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
            "QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization",
            "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
            "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
            "always": {"@id": "gts:always", "@type": "@id"},
            "approvalRequired": {"@id": "gts:approvalRequired", "@type": "@id"},
            "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger",
            "assertionMethod": {"@id": "https://w3id.org/security#assertionMethod", "@type": "@id", "@container": "@set"},
            "lemmy": "https://join-lemmy.org/ns#",
            "postingRestrictedToMods": "lemmy:postingRestrictedToMods"
        }
    ])
}

/// Adds `@context` as the first key of a top-level document.
pub fn with_context(mut doc: Value) -> Value {
    if let Value::Object(map) = &mut doc {
        let mut out = serde_json::Map::with_capacity(map.len() + 1);
        out.insert("@context".into(), context());
        out.extend(std::mem::take(map));
        return Value::Object(out);
    }
    doc
}

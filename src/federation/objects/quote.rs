//! The `QuoteAuthorization` stamp (FEP-044f): proof, served by the quoted author's own host,
//! that a quote of one of our posts was allowed. Third parties check that the stamp's host is
//! its `attributedTo`'s, that `interactingObject` is the quoting post and `interactionTarget`
//! our post; the quoting post itself is never embedded.

use serde_json::{Value, json};

use crate::config::Config;
use crate::storage::quotes::Authorization;
use crate::urls;

pub fn authorization(config: &Config, a: &Authorization) -> Value {
    json!({
        "id": urls::quote_authorization(config, &a.author_username, a.id),
        "type": "QuoteAuthorization",
        "attributedTo": urls::person(config, &a.author_username),
        "interactingObject": a.quote_uri,
        "interactionTarget": urls::article(config, &a.post_slug),
    })
}

//! View models of IndieAuth: the consent page where an author lets an app act for them, and
//! the account page's list of apps and tokens.

use askama::Template;

use super::UiLayout;
use crate::domain::scope::Scopes;
use crate::domain::time;
use crate::storage::tokens::AccessToken;

/// One scope an app asked for, as a checkbox.
pub struct ScopeChoice {
    pub name: &'static str,
    pub description: &'static str,
}

/// Turns scopes into checkboxes.
pub fn choices(scopes: &Scopes) -> Vec<ScopeChoice> {
    scopes
        .iter()
        .map(|s| ScopeChoice {
            name: s.as_str(),
            description: s.describe(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage {
    pub ui: UiLayout,
    pub csrf: String,
    pub action: &'static str,
    pub client_name: String,
    pub client_url: String,
    pub redirect_host: String,
    /// The author's profile URL, which the app will learn.
    pub me: String,
    pub scopes: Vec<ScopeChoice>,
    /// The request's own fields, sent back with the answer.
    pub hidden: Vec<(&'static str, String)>,
}

/// A token on the account page.
pub struct TokenRow {
    pub client_name: String,
    /// The app's address, for tokens an app obtained (not for command-line tokens).
    pub client_url: Option<String>,
    pub scopes: Vec<&'static str>,
    pub created: String,
    pub last_used: String,
    pub expired: bool,
    pub revoke_action: String,
}

impl TokenRow {
    pub fn new(t: &AccessToken, revoke_action: String) -> TokenRow {
        let client_url = url::Url::parse(&t.client_id)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(|u| u.to_string());
        TokenRow {
            client_name: if t.client_name.is_empty() {
                t.client_id.clone()
            } else {
                t.client_name.clone()
            },
            client_url,
            scopes: Scopes::parse_known(&t.scope)
                .iter()
                .map(|s| s.describe())
                .collect(),
            created: time::human_date(&t.created_at),
            last_used: t
                .last_used_at
                .as_ref()
                .map_or_else(|| "never".to_owned(), time::human_date),
            expired: !t.is_live(time::now()),
            revoke_action,
        }
    }
}

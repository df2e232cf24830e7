//! What an author says about themselves: display name, bio, the fediverse handle credited on
//! link cards, and up to four profile fields (label and value; a value that is a web address
//! becomes a `rel="me"` link, which is how Mastodon verifies a profile's links).

use serde::{Deserialize, Serialize};
use url::Url;

use super::html::escape;
use super::username::{HandleError, parse_fediverse_handle};

/// Profile fields an author may show (Mastodon shows four).
pub const MAX_FIELDS: usize = 4;
/// Longest field label or value, in characters (Mastodon's limit).
pub const MAX_FIELD_CHARS: usize = 255;
/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
/// Longest bio, in characters of Markdown.
pub const MAX_BIO_CHARS: usize = 5_000;

/// One label and value shown on the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileField {
    pub name: String,
    pub value: String,
}

impl ProfileField {
    /// The value as a link target, when it is a web address.
    pub fn link(&self) -> Option<Url> {
        field_link(&self.value)
    }

    /// The value as HTML for the actor's `attachment`: a `rel="me"` link for a web address,
    /// escaped text otherwise.
    pub fn value_html(&self) -> String {
        match self.link() {
            Some(url) => {
                let shown = url
                    .as_str()
                    .trim_start_matches("https://")
                    .trim_start_matches("http://");
                let shown = shown.strip_suffix('/').unwrap_or(shown);
                format!(
                    "<a href=\"{}\" target=\"_blank\" rel=\"nofollow noopener noreferrer me\">{}</a>",
                    escape(url.as_str()),
                    escape(shown)
                )
            }
            None => escape(&self.value),
        }
    }
}

/// `value` as an http(s) address, if that is all it is.
pub fn field_link(value: &str) -> Option<Url> {
    let v = value.trim();
    if v.contains(char::is_whitespace) || !(v.starts_with("https://") || v.starts_with("http://")) {
        return None;
    }
    Url::parse(v).ok().filter(|u| u.host_str().is_some())
}

/// A profile as submitted from the form, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub display_name: String,
    pub bio: String,
    pub fediverse_creator: String,
    /// (label, value) pairs as typed; empty rows are dropped.
    pub fields: Vec<(String, String)>,
}

/// A checked profile, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub display_name: String,
    pub bio: String,
    pub fediverse_creator: Option<String>,
    pub fields: Vec<ProfileField>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("the display name must have 1 to {MAX_DISPLAY_NAME_CHARS} characters")]
    DisplayName,
    #[error("the bio must have at most {MAX_BIO_CHARS} characters")]
    BioTooLong,
    #[error("at most {MAX_FIELDS} profile fields")]
    TooManyFields,
    #[error("profile field {0} needs both a label and a value")]
    IncompleteField(usize),
    #[error("profile field {0} is longer than {MAX_FIELD_CHARS} characters")]
    FieldTooLong(usize),
    #[error(transparent)]
    Handle(#[from] HandleError),
}

impl ProfileInput {
    pub fn check(&self) -> Result<Profile, ProfileError> {
        let display_name = self.display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > MAX_DISPLAY_NAME_CHARS {
            return Err(ProfileError::DisplayName);
        }
        if self.bio.chars().count() > MAX_BIO_CHARS {
            return Err(ProfileError::BioTooLong);
        }
        let creator = self.fediverse_creator.trim();
        let fediverse_creator = if creator.is_empty() {
            None
        } else {
            Some(parse_fediverse_handle(creator)?)
        };
        let mut fields = Vec::new();
        for (i, (name, value)) in self.fields.iter().enumerate() {
            let (name, value) = (name.trim(), value.trim());
            match (name.is_empty(), value.is_empty()) {
                (true, true) => continue,
                (false, false) => {}
                _ => return Err(ProfileError::IncompleteField(i + 1)),
            }
            if name.chars().count() > MAX_FIELD_CHARS || value.chars().count() > MAX_FIELD_CHARS {
                return Err(ProfileError::FieldTooLong(i + 1));
            }
            fields.push(ProfileField {
                name: name.to_owned(),
                value: value.to_owned(),
            });
        }
        if fields.len() > MAX_FIELDS {
            return Err(ProfileError::TooManyFields);
        }
        Ok(Profile {
            display_name: display_name.to_owned(),
            bio: self.bio.trim_end().replace("\r\n", "\n"),
            fediverse_creator,
            fields,
        })
    }
}

#[cfg(test)]
mod tests;

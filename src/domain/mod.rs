//! Plain Rust rules with no HTTP and no SQL: names, roles, posts, comments, profiles, invites,
//! site settings, how Markdown becomes HTML and how HTML and links from other servers are made
//! safe.

pub mod chart;
pub mod comments;
pub mod front_matter;
pub mod html;
pub mod import;
pub mod indieauth;
pub mod invite;
pub mod links;
pub mod markdown;
pub mod mentions;
pub mod micropub;
pub mod post;
pub mod profile;
pub mod quotes;
pub mod remote_html;
pub mod role;
pub mod scope;
pub mod search;
pub mod secrets;
pub mod series;
pub mod site;
pub mod slug;
pub mod tag;
pub mod time;
pub mod username;
pub mod webmention;
pub mod zone;

pub use post::{PostStatus, Submission};
pub use role::Role;
pub use slug::Slug;
pub use tag::Tag;
pub use username::Username;

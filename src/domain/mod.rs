//! Plain Rust rules with no HTTP and no SQL: names, roles, posts and how Markdown becomes HTML.

pub mod front_matter;
pub mod markdown;
pub mod post;
pub mod role;
pub mod slug;
pub mod tag;
pub mod time;
pub mod username;

pub use post::{PostStatus, Submission};
pub use role::Role;
pub use slug::Slug;
pub use tag::Tag;
pub use username::Username;

//! The one write path per aggregate. The command line, the web editor and admin pages, the
//! scheduler and the inbox call these functions; handlers and commands only parse input and
//! render output. Each action checks the domain's rules, stores through `storage`, tells the
//! page cache, and hands what followers must hear to `federation`.

/// Accounts: creating, registering (with an invite or for approval), passwords, roles.
pub mod accounts;
/// The community's relations with other servers: amplifying remote posts, following.
pub mod community;
/// Everything the site holds, as files to take elsewhere (`chorus export`).
pub mod export;
/// Posts written elsewhere brought in (`chorus import`): WordPress, Ghost, WriteFreely, Markdown.
pub mod import;
/// IndieAuth: authorization requests, consent, codes, and their redemption for tokens.
pub mod indieauth;
/// Replies under posts, blocks, reports and notifications.
pub mod moderation;
/// Account moves: other accounts that are also an author's, and moving followers elsewhere.
pub mod moves;
/// Posts: drafts, review, publishing now or later, updates, unpublishing, deletion.
pub mod posts;
/// Profiles of people and of the community, and their `Update` to followers.
pub mod profiles;
/// Quote consent: answering requests to quote our posts, and taking quotes back.
pub mod quotes;
/// The review loop: submitted, approved, sent back with a note, and who is told.
pub mod review;
/// Bearer tokens for Micropub and IndieAuth clients: issuing, checking, revoking.
pub mod tokens;
/// Webmentions received into the comments and reactions, and sent for posts' links.
pub mod webmentions;

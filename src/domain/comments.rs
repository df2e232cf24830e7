//! Comments are replies from the fediverse shown under a post. The rules here: who may reply
//! (a post's reply policy), what a reply's addressing allows (public, followers-only, or
//! private to the people it mentions), the state a new reply starts in, and how a thread is
//! laid out for reading.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// Deepest indentation a thread is shown with; deeper replies line up at this depth.
pub const MAX_INDENT: usize = 5;

/// Who may reply to a post.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReplyPolicy {
    /// Every reply is shown at once.
    #[default]
    Anyone,
    /// Replies from followers (of the author or the community) are shown at once; others wait
    /// for review.
    Followers,
    /// Replies from people the author follows are shown at once; others wait for review.
    Following,
    /// Comments are closed: replies are not kept.
    Nobody,
}

impl ReplyPolicy {
    pub const ALL: [ReplyPolicy; 4] = [
        ReplyPolicy::Anyone,
        ReplyPolicy::Followers,
        ReplyPolicy::Following,
        ReplyPolicy::Nobody,
    ];

    /// How a form offers it.
    pub fn label(self) -> &'static str {
        match self {
            ReplyPolicy::Anyone => "Anyone: replies appear at once",
            ReplyPolicy::Followers => {
                "Followers: replies from followers appear at once, others after review"
            }
            ReplyPolicy::Following => {
                "People the author follows: their replies appear at once, others after review"
            }
            ReplyPolicy::Nobody => "Nobody: replies are closed",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReplyPolicy::Anyone => "anyone",
            ReplyPolicy::Followers => "followers",
            ReplyPolicy::Following => "following",
            ReplyPolicy::Nobody => "nobody",
        }
    }
}

impl fmt::Display for ReplyPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a reply policy: use anyone, followers, following or nobody")]
pub struct ReplyPolicyError(pub String);

impl FromStr for ReplyPolicy {
    type Err = ReplyPolicyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "anyone" => Ok(ReplyPolicy::Anyone),
            "followers" => Ok(ReplyPolicy::Followers),
            "following" => Ok(ReplyPolicy::Following),
            "nobody" => Ok(ReplyPolicy::Nobody),
            _ => Err(ReplyPolicyError(s.to_owned())),
        }
    }
}

/// Where a comment is in moderation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommentState {
    /// Shown under the post (when its addressing allows).
    Approved,
    /// Waiting for an editor or the post's author.
    Pending,
    /// Hidden by a moderator, or written by a blocked actor.
    Hidden,
}

impl CommentState {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentState::Approved => "approved",
            CommentState::Pending => "pending",
            CommentState::Hidden => "hidden",
        }
    }

    /// Reads the stored form; anything unknown is hidden.
    pub fn from_stored(s: &str) -> CommentState {
        match s {
            "approved" => CommentState::Approved,
            "pending" => CommentState::Pending,
            _ => CommentState::Hidden,
        }
    }
}

/// Who a reply was addressed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// To everyone (`as:Public` in `to` or `cc`).
    Public,
    /// To the replier's followers: the post's author is told, the page never shows it.
    Followers,
    /// Only to the people it mentions: never shown on a page.
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Followers => "followers",
            Visibility::Private => "private",
        }
    }

    pub fn from_stored(s: &str) -> Visibility {
        match s {
            "public" => Visibility::Public,
            "followers" => Visibility::Followers,
            _ => Visibility::Private,
        }
    }

    /// Whether a comment with this addressing may appear on a public page: only one
    /// addressed to everyone. A reply to the replier's followers reaches the post's author,
    /// never the page.
    pub fn may_be_shown(self) -> bool {
        matches!(self, Visibility::Public)
    }
}

/// The ways ActivityStreams writes the public collection.
const PUBLIC: [&str; 3] = [
    "https://www.w3.org/ns/activitystreams#Public",
    "as:Public",
    "Public",
];

/// Classifies a reply by its `to` and `cc` addressees. `actor` is the replier's id: a
/// followers collection is recognised as a `…/followers` address on the replier's host.
pub fn visibility(addressees: &[String], actor: &str) -> Visibility {
    if addressees.iter().any(|a| PUBLIC.contains(&a.as_str())) {
        return Visibility::Public;
    }
    let host = |s: &str| {
        url::Url::parse(s)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
    };
    let actor_host = host(actor);
    let to_followers = addressees.iter().any(|a| {
        a.trim_end_matches('/').ends_with("/followers")
            && host(a).is_some()
            && host(a) == actor_host
    });
    if to_followers {
        Visibility::Followers
    } else {
        Visibility::Private
    }
}

/// What becomes of a new reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Store(CommentState),
    /// Not kept (comments are closed).
    Refuse,
}

/// The state a new reply starts in under `policy`. `trusted` says whether the replier is in
/// the circle the policy names (a follower for `Followers`, someone the author follows for
/// `Following`). Private replies are kept whatever the policy (they reach the author, never
/// the page).
pub fn admit(policy: ReplyPolicy, visibility: Visibility, trusted: bool) -> Admission {
    match (visibility, policy) {
        (Visibility::Private, _) => Admission::Store(CommentState::Approved),
        (_, ReplyPolicy::Anyone) => Admission::Store(CommentState::Approved),
        (_, ReplyPolicy::Followers | ReplyPolicy::Following) if trusted => {
            Admission::Store(CommentState::Approved)
        }
        (_, ReplyPolicy::Followers | ReplyPolicy::Following) => {
            Admission::Store(CommentState::Pending)
        }
        (_, ReplyPolicy::Nobody) => Admission::Refuse,
    }
}

/// One comment of a thread, for laying it out.
#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub id: i64,
    /// The comment it answers, if it answers a comment rather than the post.
    pub parent: Option<i64>,
    /// Whether it is shown; replies to a comment that is not hang under its nearest shown
    /// ancestor (or the post).
    pub shown: bool,
}

/// The reading order of a thread: each shown node's index in `nodes` with its indentation
/// (0 for a reply to the post, at most [`MAX_INDENT`]). `nodes` come oldest first; answers
/// follow what they answer, oldest first.
pub fn thread_order(nodes: &[Node]) -> Vec<(usize, usize)> {
    let by_id: HashMap<i64, &Node> = nodes.iter().map(|n| (n.id, n)).collect();
    let shown_parent = |n: &Node| -> Option<i64> {
        let mut parent = n.parent;
        // Bounded walk: a chain can be no longer than the thread.
        for _ in 0..nodes.len() {
            match parent.and_then(|p| by_id.get(&p)) {
                None => return None,
                Some(p) if p.shown => return Some(p.id),
                Some(p) => parent = p.parent,
            }
        }
        None
    };
    let mut children: HashMap<Option<i64>, Vec<usize>> = HashMap::new();
    for (i, n) in nodes.iter().enumerate().filter(|(_, n)| n.shown) {
        children.entry(shown_parent(n)).or_default().push(i);
    }
    let mut out = Vec::new();
    let mut stack: Vec<(usize, usize)> = children
        .get(&None)
        .map(|c| c.iter().rev().map(|&i| (i, 0)).collect())
        .unwrap_or_default();
    while let Some((i, depth)) = stack.pop() {
        out.push((i, depth.min(MAX_INDENT)));
        if let Some(kids) = children.get(&Some(nodes[i].id)) {
            stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
        }
    }
    out
}

#[cfg(test)]
mod tests;

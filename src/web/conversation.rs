//! The conversation under a post page: threaded comments, reactions with the people behind
//! them, and what the page says about replying. Read on a cache miss of the post page.

use crate::app::App;
use crate::domain::comments::{self, CommentState, Node};
use crate::domain::links::first_http_url;
use crate::error::AppError;
use crate::federation::avatars;
use crate::storage::comments as stored;
use crate::storage::posts::Post;
use crate::storage::quotes;
use crate::storage::reactions::{self, ReactionKind};
use crate::templates::conversation::{
    CommentView, PersonView, QuotedBy, ReactionsView, RepliesView,
};

/// People shown beside the reaction counts, of each kind.
pub const FACEPILE: i64 = 12;

pub struct Conversation {
    pub comments: Vec<CommentView>,
    pub reactions: ReactionsView,
    pub replies: RepliesView,
    pub changed_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn load(app: &App, post: &Post) -> Result<Conversation, AppError> {
    let thread = stored::thread_of_post(&app.db, post.id).await?;
    let nodes: Vec<Node> = thread
        .iter()
        .map(|c| Node {
            id: c.id,
            parent: c.parent_id,
            shown: c.state == CommentState::Approved && c.visibility.may_be_shown(),
        })
        .collect();
    let mut answers: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for n in nodes.iter().filter(|n| n.shown) {
        if let Some(parent) = n.parent {
            *answers.entry(parent).or_default() += 1;
        }
    }
    let post_url = app
        .config
        .url(&crate::urls::post_path(post.slug.as_str()))
        .to_string();
    let comments: Vec<CommentView> = comments::thread_order(&nodes)
        .into_iter()
        .map(|(i, depth)| {
            let c = &thread[i];
            let replies = answers.get(&c.id).copied().unwrap_or(0);
            CommentView::new(c, depth, replies, &post_url)
        })
        .collect();

    let likers = reactions::recent_reactors(&app.db, post.id, ReactionKind::Like, FACEPILE).await?;
    let boosters =
        reactions::recent_reactors(&app.db, post.id, ReactionKind::Announce, FACEPILE).await?;
    let mut people: Vec<PersonView> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in likers.iter().chain(&boosters) {
        if seen.insert(p.remote_actor_id) {
            people.push(PersonView::new(p));
        }
    }
    // Avatars not tried yet (an actor whose icon changed, say) are fetched for next time.
    for p in thread
        .iter()
        .map(|c| &c.author)
        .chain(&likers)
        .chain(&boosters)
    {
        if p.avatar_wanted() {
            avatars::ensure(app, p.remote_actor_id);
        }
    }
    let quoted = quotes::post_quotes(&app.db, post.id, FACEPILE).await?;
    let reactions = ReactionsView {
        likes: reactions::count_reactions(&app.db, post.id, ReactionKind::Like).await?,
        boosts: reactions::count_reactions(&app.db, post.id, ReactionKind::Announce).await?,
        people: people.into_iter().take(FACEPILE as usize).collect(),
        quotes: quotes::count_post_quotes(&app.db, post.id).await?,
        quoted_by: quoted
            .iter()
            .map(|q| QuotedBy {
                person: PersonView::new(&q.quoter),
                url: first_http_url([q.quote_url.as_deref(), Some(q.quote_uri.as_str())]),
            })
            .collect(),
    };
    let policy = stored::effective_reply_policy(&app.db, post.id).await?;
    Ok(Conversation {
        comments,
        reactions,
        replies: RepliesView::new(policy),
        changed_at: stored::conversation_changed_at(&app.db, post.id).await?,
    })
}

//! Importing posts written elsewhere: each item goes through the same write path as
//! `chorus post publish` ([`posts::publish_file`]), so the same rules hold; authors are mapped
//! to one account or created; old addresses are kept as redirects. A dry run checks every item
//! and writes nothing; importing the same file again changes nothing.

pub mod markdown;

use std::collections::HashMap;

use url::Url;

use crate::actions::accounts;
use crate::actions::posts::{self, Outcome};
use crate::app::App;
use crate::domain::import::{self, ImportedPost, SourceAuthor};
use crate::domain::secrets::random_token;
use crate::domain::{PostStatus, Role, Submission, time};
use crate::storage::posts as stored;
use crate::storage::{StorageError, redirects, users};
use crate::urls::post_path;

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Every post goes to this existing account; otherwise to its own author, created when
    /// missing.
    pub author: Option<String>,
    /// Check everything, write nothing.
    pub dry_run: bool,
}

/// One item to import, from any source.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// Where it is in its file or folder, for messages.
    pub location: String,
    pub author: Option<SourceAuthor>,
    /// The post, or why it cannot be one.
    pub submission: Result<Submission, String>,
    /// Paths it had on the old site.
    pub old_paths: Vec<String>,
}

impl Incoming {
    /// An item read from an export file.
    pub fn from_imported(post: ImportedPost) -> Incoming {
        Incoming {
            submission: post.submission().map_err(|e| e.to_string()),
            old_paths: post
                .old_urls
                .iter()
                .filter_map(|u| import::old_path(u))
                .collect(),
            location: post.location,
            author: post.author,
        }
    }
}

/// What became of an item that was not skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// Created, or updated (`updated`); in a dry run, what would be.
    Imported { url: Url, updated: bool },
    /// The same post is here already.
    Unchanged { url: Url },
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("no user named {0:?} (create it first with `chorus user create`)")]
    UnknownAuthor(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Imports items one by one, remembering the authors it has mapped or created.
pub struct Importer<'a> {
    app: &'a App,
    options: Options,
    /// Old login → username here.
    authors: HashMap<String, String>,
    /// Accounts created (or, in a dry run, that would be).
    pub created_authors: Vec<String>,
}

impl<'a> Importer<'a> {
    /// Checks the options (the `--author` account must exist) before anything is read.
    pub async fn new(app: &'a App, options: Options) -> Result<Importer<'a>, ImportError> {
        if let Some(name) = &options.author
            && users::find_user_by_username(&app.db, name).await?.is_none()
        {
            return Err(ImportError::UnknownAuthor(name.clone()));
        }
        Ok(Importer {
            app,
            options,
            authors: HashMap::new(),
            created_authors: Vec::new(),
        })
    }

    pub fn dry_run(&self) -> bool {
        self.options.dry_run
    }

    /// Imports one item; `Err` is why it was skipped.
    pub async fn import(&mut self, item: Incoming) -> Result<Done, String> {
        let submission = item.submission?;
        let username = self.author_for(item.author.as_ref()).await?;
        let url = self.app.config.url(&post_path(submission.slug.as_str()));
        let new_path = post_path(submission.slug.as_str());
        let old_paths: Vec<String> = item
            .old_paths
            .into_iter()
            .filter(|p| *p != new_path)
            .collect();
        if self.options.dry_run {
            return self.check(&username, &submission, url).await;
        }
        let slug = submission.slug.to_string();
        let published = posts::publish_file(self.app, &username, submission)
            .await
            .map_err(|e| e.to_string())?;
        let now = time::now();
        for path in &old_paths {
            redirects::save_redirect(&self.app.db, path, &slug, now)
                .await
                .map_err(|e| format!("could not keep {path} as a redirect: {e}"))?;
        }
        Ok(match published.outcome {
            Outcome::Unchanged => Done::Unchanged { url: published.url },
            outcome => Done::Imported {
                url: published.url,
                updated: outcome == Outcome::Updated,
            },
        })
    }

    /// What importing would do, without writing.
    async fn check(&self, username: &str, s: &Submission, url: Url) -> Result<Done, String> {
        let existing = stored::find_post_by_slug(&self.app.db, s.slug.as_str())
            .await
            .map_err(|e| e.to_string())?;
        let Some(post) = existing else {
            return Ok(Done::Imported {
                url,
                updated: false,
            });
        };
        if post.status == PostStatus::Deleted {
            return Err(posts::PublishError::SlugRetired(s.slug.to_string()).to_string());
        }
        if post.author.username.as_str() != username {
            return Err(posts::PublishError::SlugTaken {
                slug: s.slug.to_string(),
                owner: post.author.username.to_string(),
            }
            .to_string());
        }
        let same = post.markdown == s.body
            && post.title == s.title
            && (s.published.is_none() || post.published_at == s.published)
            && (post.status == PostStatus::Draft) == s.draft;
        Ok(if same {
            Done::Unchanged { url }
        } else {
            Done::Imported { url, updated: true }
        })
    }

    /// The username here of an item's author: the `--author` account, or the old author's
    /// account here, created as an author when missing.
    async fn author_for(&mut self, author: Option<&SourceAuthor>) -> Result<String, String> {
        if let Some(name) = &self.options.author {
            return Ok(name.clone());
        }
        let author =
            author.ok_or("the item names no author: pass --author USERNAME to choose one")?;
        if let Some(name) = self.authors.get(&author.login) {
            return Ok(name.clone());
        }
        let name = import::username_for(&author.login).ok_or_else(|| {
            format!(
                "the author {:?} cannot be a username here: pass --author USERNAME",
                author.login
            )
        })?;
        let exists = users::find_user_by_username(&self.app.db, &name)
            .await
            .map_err(|e| e.to_string())?
            .is_some();
        if !exists {
            if !self.options.dry_run {
                let display = Some(author.display_name.trim()).filter(|d| !d.is_empty());
                accounts::create_user(self.app, &name, Role::Author, display, &random_token())
                    .await
                    .map_err(|e| format!("could not create the author {name:?}: {e}"))?;
            }
            self.created_authors.push(name.clone());
        }
        self.authors.insert(author.login.clone(), name.clone());
        Ok(name)
    }
}

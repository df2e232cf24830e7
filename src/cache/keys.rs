//! What the cache can hold: one key per cacheable resource (pages, feeds, ActivityPub
//! documents, WebFinger answers).

/// Every cacheable resource; the web layer knows how to render each.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageKey {
    Home {
        page: u32,
    },
    /// `/subscribe`: every way to follow the site.
    Subscribe,
    /// A series' page.
    Series {
        slug: String,
    },
    Post {
        slug: String,
    },
    Author {
        username: String,
        page: u32,
    },
    Tag {
        tag: String,
        page: u32,
    },
    Feed {
        scope: Scope,
        format: Format,
    },
    /// The page a person sees at a feed's address.
    FeedPage {
        scope: Scope,
        format: Format,
    },
    ActorJson {
        username: String,
    },
    ArticleJson {
        slug: String,
    },
    WebFinger {
        name: String,
    },
    /// `sitemap.xml`: every public page.
    Sitemap,
    /// `robots.txt`.
    Robots,
}

impl PageKey {
    /// Roughly the memory the key takes in the cache.
    pub(crate) fn weight(&self) -> u64 {
        let text = match self {
            PageKey::Home { .. } | PageKey::Sitemap | PageKey::Robots | PageKey::Subscribe => 0,
            PageKey::Post { slug } | PageKey::ArticleJson { slug } => slug.len(),
            PageKey::Author { username, .. } | PageKey::ActorJson { username } => username.len(),
            PageKey::Tag { tag, .. } => tag.len(),
            PageKey::Series { slug } => slug.len(),
            PageKey::Feed { scope, .. } | PageKey::FeedPage { scope, .. } => match scope {
                Scope::Site => 0,
                Scope::Author(name) | Scope::Tag(name) | Scope::Series(name) => name.len(),
            },
            PageKey::WebFinger { name } => name.len(),
        };
        (std::mem::size_of::<PageKey>() + text) as u64
    }
}

/// Whose posts a feed lists.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Site,
    Author(String),
    Tag(String),
    /// A series, by its slug.
    Series(String),
}

/// RSS 2.0, Atom 1.0 or JSON Feed 1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    /// The feed a file name asks for (`feed.xml`, `rss.xml`, `atom.xml`, `feed.json`).
    pub fn from_file(name: &str) -> Option<Format> {
        match name {
            "feed.xml" | "rss.xml" => Some(Format::Rss),
            "atom.xml" => Some(Format::Atom),
            "feed.json" => Some(Format::Json),
            _ => None,
        }
    }

    /// The file name the feed is served under.
    pub fn file(self) -> &'static str {
        match self {
            Format::Rss => "feed.xml",
            Format::Atom => "atom.xml",
            Format::Json => "feed.json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

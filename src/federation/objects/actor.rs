//! Actor documents: a `Person` per author, the community `Group`, the instance `Application`.

use serde_json::{Value, json};
use url::Url;

use crate::app::App;
use crate::config::Config;
use crate::domain::html::escape as escape_html;
use crate::domain::{markdown, time};
use crate::federation::integrity;
use crate::media::{self, Media};
use crate::storage::actors::LocalActor;
use crate::storage::site::Site;
use crate::storage::users::User;
use crate::storage::{StorageError, media as media_store};
use crate::urls;

/// Width asked of an avatar (`icon`): the smallest stored variant that is at least this wide.
pub const ICON_WIDTH: u32 = 480;

/// An actor's pictures: `icon` (avatar) and `image` (header).
#[derive(Debug, Clone, Default)]
pub struct Pictures {
    pub icon: Option<Media>,
    pub image: Option<Media>,
}

impl Pictures {
    /// Reads the pictures with these media ids; a missing one is left out.
    pub async fn load(
        app: &App,
        icon: Option<i64>,
        image: Option<i64>,
    ) -> Result<Pictures, StorageError> {
        let find = |id: Option<i64>| async move {
            match id {
                Some(id) => media_store::find_media(&app.db, id).await,
                None => Ok(None),
            }
        };
        Ok(Pictures {
            icon: find(icon).await?,
            image: find(image).await?,
        })
    }

    fn apply(&self, config: &Config, doc: &mut Value) {
        let picture = |m: &Media, width: u32| {
            let mut v =
                json!({"type": "Image", "url": media::url(config, m, width), "mediaType": m.mime});
            if !m.alt.is_empty() {
                v["name"] = json!(m.alt);
            }
            v
        };
        if let Some(m) = &self.icon {
            doc["icon"] = picture(m, ICON_WIDTH);
        }
        if let Some(m) = &self.image {
            doc["image"] = picture(m, u32::MAX);
        }
    }
}

/// The actor's keys: `publicKey` (RSA, for HTTP signatures) and, beside it, the Ed25519
/// Multikey in `assertionMethod` (FEP-521a), which proofs name as their `verificationMethod`.
fn keys(id: &Url, actor: &LocalActor) -> Value {
    let mut doc = json!({
        "publicKey": {
            "id": urls::key_id(id),
            "owner": id,
            "publicKeyPem": actor.public_key_pem,
        },
    });
    if let Some(multibase) = &actor.ed25519_public_key_multibase {
        let key = integrity::multikey(&urls::ed25519_key_id(id), id.as_str(), multibase);
        doc["assertionMethod"] = json!([key]);
    }
    doc
}

fn endpoints(config: &Config, id: &Url, actor: &LocalActor) -> Value {
    let links = json!({
        "inbox": urls::under(id, "inbox"),
        "outbox": urls::under(id, "outbox"),
        "followers": urls::under(id, "followers"),
        "following": urls::under(id, "following"),
        "featured": urls::under(id, "featured"),
        "endpoints": {"sharedInbox": urls::shared_inbox(config)},
    });
    merge(links, keys(id, actor))
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Value::Object(a), Value::Object(b)) = (&mut a, b) {
        a.extend(b);
    }
    a
}

/// An author.
pub fn person(config: &Config, user: &User, actor: &LocalActor, pictures: &Pictures) -> Value {
    let id = urls::person(config, user.username.as_str());
    let summary = if user.bio.trim().is_empty() {
        String::new()
    } else {
        markdown::render(&user.bio, &config.base_url).html
    };
    let summary = markdown::absolutize(&summary, &id);
    let mut doc = json!({
        "id": id,
        "type": "Person",
        "preferredUsername": user.username.as_str(),
        "name": user.display_name,
        "summary": summary,
        "url": id,
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "indexable": true,
        "published": time::iso(&user.created_at),
        "attachment": profile_fields(user),
        "attributionDomains": [config.domain()],
        "webfinger": format!("{}@{}", user.username, config.domain()),
        "featuredTags": urls::under(&id, "tags"),
    });
    if !user.also_known_as.is_empty() {
        doc["alsoKnownAs"] = json!(user.also_known_as);
    }
    if let Some(target) = &user.moved_to {
        doc["movedTo"] = json!(target);
    }
    pictures.apply(config, &mut doc);
    doc = merge(doc, endpoints(config, &id, actor));
    doc
}

/// Profile fields as `PropertyValue`s; a web address becomes a `rel="me"` link, which
/// Mastodon checks for a link back to verify.
fn profile_fields(user: &User) -> Value {
    let fields: Vec<Value> = user
        .profile_fields
        .iter()
        .map(|f| json!({"type": "PropertyValue", "name": f.name, "value": f.value_html()}))
        .collect();
    Value::Array(fields)
}

/// The community: announces every public post, so following it follows all authors.
pub fn group(config: &Config, site: &Site, actor: &LocalActor, pictures: &Pictures) -> Value {
    let id = urls::group(config, &site.community_username);
    let mut doc = json!({
        "id": id,
        "type": "Group",
        "preferredUsername": site.community_username,
        "name": site.community_name,
        "summary": format!("<p>{}</p>", escape_html(&site.description)),
        "url": id,
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "indexable": true,
        "published": time::iso(&actor.created_at),
        "attachment": [],
        "webfinger": format!("{}@{}", site.community_username, config.domain()),
        // Only the site's authors post here: group software (Lemmy) refuses a post to the
        // community before sending it, and one sent anyway is answered with a `Reject`.
        "postingRestrictedToMods": true,
    });
    pictures.apply(config, &mut doc);
    merge(doc, endpoints(config, &id, actor))
}

/// The instance actor, which signs fetches; not a person and not listed as a user.
pub fn application(config: &Config, actor: &LocalActor) -> Value {
    let id = urls::instance(config);
    let doc = json!({
        "id": id,
        "type": "Application",
        "preferredUsername": config.domain(),
        "name": "Chorus",
        "url": config.base_url,
        "inbox": urls::shared_inbox(config),
        "outbox": urls::under(&id, "outbox"),
        "manuallyApprovesFollowers": true,
        "discoverable": false,
        "indexable": false,
        "endpoints": {"sharedInbox": urls::shared_inbox(config)},
    });
    merge(doc, keys(&id, actor))
}

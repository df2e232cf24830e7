//! The part of `chorus doctor` that looks at the running server from outside, at `base_url`,
//! as another fediverse server would: `/healthz`, then WebFinger for an account, the actor it
//! links, and NodeInfo, each asked for with the `Accept` header peers send and checked for
//! the status, content type and the fields peers read.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use url::Url;

use super::doctor::{Report, sample_account};
use super::healthcheck::{client, describe};
use crate::config::Config;
use crate::storage::Db;
use crate::telemetry::error_chain;

/// How long each request may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// What Mastodon and others send for WebFinger.
const ACCEPT_JRD: &str = "application/jrd+json, application/json;q=0.9";
/// What peers send for ActivityPub documents.
const ACCEPT_ACTIVITY: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
/// NodeInfo schemas peers understand.
const NODEINFO_REL: &str = "http://nodeinfo.diaspora.software/ns/schema/2.";

/// Runs the checks; gives whether the server answered `/healthz`.
pub async fn check(report: &mut Report, config: &Config, db: Option<&Db>) -> bool {
    let client = match client(TIMEOUT) {
        Ok(c) => c,
        Err(e) => {
            report.fail("server", format!("no HTTP client: {e:#}"));
            return false;
        }
    };
    let base = &config.base_url;
    let health = base.join("healthz").expect("a path joins a base URL");
    match client.get(health.clone()).send().await {
        Ok(r) if r.status() == reqwest::StatusCode::OK => {
            report.ok("server", format!("{health} answered 200"))
        }
        Ok(r) => {
            report.fail("server", format!("{health} answered {}", r.status()));
            skip_all(report, "the server is not healthy");
            return false;
        }
        Err(e) => {
            report.fail("server", format!("{health}: {}", describe(&e)));
            skip_all(report, "the server does not answer at base_url");
            return false;
        }
    }
    let actor = match db {
        None => {
            report.skip("webfinger", "no account to look up without the database");
            None
        }
        Some(db) => match sample_account(db).await {
            Ok(name) => webfinger(report, &client, config, &name).await,
            Err(e) => {
                report.fail(
                    "webfinger",
                    format!("cannot pick an account: {}", error_chain(&e)),
                );
                None
            }
        },
    };
    match actor {
        Some(actor) => check_actor(report, &client, config, &actor).await,
        None => report.skip("actor", "WebFinger gave no actor"),
    }
    nodeinfo(report, &client, base).await;
    true
}

fn skip_all(report: &mut Report, why: &str) {
    for what in ["webfinger", "actor", "nodeinfo"] {
        report.skip(what, why);
    }
}

/// A GET with `accept`; the status must be 200 and the content type one of `types`; the body
/// is read as JSON.
async fn get_json(
    client: &reqwest::Client,
    url: &Url,
    accept: &str,
    types: &[&str],
) -> Result<Value, String> {
    let answer = client
        .get(url.clone())
        .header(ACCEPT, accept)
        .send()
        .await
        .map_err(|e| format!("{url}: {}", describe(&e)))?;
    if answer.status() != reqwest::StatusCode::OK {
        return Err(format!("{url} answered {}", answer.status()));
    }
    let content_type = answer
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !types.iter().any(|t| essence.eq_ignore_ascii_case(t)) {
        return Err(format!(
            "{url} answered with content type {content_type:?}; peers expect {}",
            types.join(" or ")
        ));
    }
    let body = answer
        .bytes()
        .await
        .map_err(|e| format!("{url}: {}", describe(&e)))?;
    serde_json::from_slice(&body).map_err(|e| format!("{url} answered invalid JSON: {e}"))
}

/// WebFinger for `acct:name@domain`; gives the actor URL of its `self` link.
async fn webfinger(
    report: &mut Report,
    client: &reqwest::Client,
    config: &Config,
    name: &str,
) -> Option<Url> {
    let resource = format!("acct:{name}@{}", config.domain());
    let mut url = config
        .base_url
        .join("/.well-known/webfinger")
        .expect("a path joins a base URL");
    url.query_pairs_mut().append_pair("resource", &resource);
    let jrd = match get_json(
        client,
        &url,
        ACCEPT_JRD,
        &["application/jrd+json", "application/json"],
    )
    .await
    {
        Ok(jrd) => jrd,
        Err(e) => {
            report.fail("webfinger", e);
            return None;
        }
    };
    let link = jrd["links"].as_array().and_then(|links| {
        links.iter().find(|l| {
            l["rel"] == "self"
                && l["type"].as_str().is_some_and(|t| {
                    t == "application/activity+json" || t.starts_with("application/ld+json")
                })
        })
    });
    let Some(href) = link.and_then(|l| l["href"].as_str()) else {
        report.fail(
            "webfinger",
            format!("{resource}: no `self` link of type application/activity+json"),
        );
        return None;
    };
    match Url::parse(href) {
        Ok(actor) => {
            report.ok("webfinger", format!("{resource} → {actor}"));
            Some(actor)
        }
        Err(e) => {
            report.fail(
                "webfinger",
                format!("{resource}: the self link {href:?} is not a URL: {e}"),
            );
            None
        }
    }
}

/// The actor document: ActivityPub JSON whose `id` is the URL asked for, on this site's
/// origin, with an inbox, an outbox and a public key.
async fn check_actor(report: &mut Report, client: &reqwest::Client, config: &Config, actor: &Url) {
    let types = ["application/activity+json", "application/ld+json"];
    let doc = match get_json(client, actor, ACCEPT_ACTIVITY, &types).await {
        Ok(doc) => doc,
        Err(e) => return report.fail("actor", e),
    };
    let mut problems = Vec::new();
    if doc["id"].as_str() != Some(actor.as_str()) {
        problems.push(format!("its id is {} instead of {actor}", doc["id"]));
    }
    if actor.origin() != config.base_url.origin() {
        problems.push(format!(
            "it is not on base_url's origin {}",
            config.base_url
        ));
    }
    for field in ["inbox", "outbox"] {
        if doc[field].as_str().is_none() {
            problems.push(format!("it has no {field}"));
        }
    }
    if doc["publicKey"]["publicKeyPem"].as_str().is_none() {
        problems
            .push("it has no publicKey.publicKeyPem (peers cannot check its signatures)".into());
    }
    if problems.is_empty() {
        let kind = doc["type"].as_str().unwrap_or("actor");
        report.ok(
            "actor",
            format!("{actor} is a {kind} with an inbox, an outbox and a key"),
        );
    } else {
        report.fail("actor", format!("{actor}: {}", problems.join("; ")));
    }
}

/// `/.well-known/nodeinfo` and the NodeInfo 2.x document it links.
async fn nodeinfo(report: &mut Report, client: &reqwest::Client, base: &Url) {
    let well_known = base
        .join("/.well-known/nodeinfo")
        .expect("a path joins a base URL");
    let links = match get_json(
        client,
        &well_known,
        "application/json",
        &["application/json"],
    )
    .await
    {
        Ok(links) => links,
        Err(e) => return report.fail("nodeinfo", e),
    };
    let href = links["links"].as_array().and_then(|links| {
        links
            .iter()
            .filter(|l| {
                l["rel"]
                    .as_str()
                    .is_some_and(|r| r.starts_with(NODEINFO_REL))
            })
            .filter_map(|l| l["href"].as_str())
            .next_back()
    });
    let Some(href) = href.and_then(|h| Url::parse(h).ok()) else {
        return report.fail(
            "nodeinfo",
            format!("{well_known} links no NodeInfo 2.x document"),
        );
    };
    let types = ["application/json"];
    let accept = "application/json, application/activity+json;q=0.5";
    match get_json(client, &href, accept, &types).await {
        Ok(doc) => {
            let version = doc["version"].as_str().unwrap_or_default();
            let software = doc["software"]["name"].as_str();
            match software {
                Some(name) if version.starts_with("2.") => report.ok(
                    "nodeinfo",
                    format!(
                        "{href}: NodeInfo {version}, {name} {}",
                        doc["software"]["version"].as_str().unwrap_or_default()
                    ),
                ),
                _ => report.fail(
                    "nodeinfo",
                    format!("{href}: not a NodeInfo 2.x document (version {version:?}, no software.name)"),
                ),
            }
        }
        Err(e) => report.fail("nodeinfo", e),
    }
}

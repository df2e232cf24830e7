//! WordPress's export format, WXR 1.2 (RSS 2.0 with the `wp:`, `content:`, `excerpt:` and
//! `dc:` namespaces): the authors of the channel, and one `<item>` per post, page,
//! attachment or menu entry. Only items of type `post` are posts here.

use std::collections::HashMap;

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::{
    BadItem, ImportedPost, MalformedFile, Parsed, SourceAuthor, line_at, parse_export_date,
};

const FORMAT: &str = "WordPress export (WXR)";

/// One `<item>` as read: its simple fields by element name, and its categories.
#[derive(Default)]
struct RawItem {
    offset: usize,
    fields: HashMap<String, String>,
    /// `(domain, name)`: `category` or `post_tag`.
    categories: Vec<(String, String)>,
}

/// Reads a WXR file named `file` (for messages).
pub fn parse(file: &str, xml: &str) -> Result<Parsed, MalformedFile> {
    let malformed = MalformedFile::of(file, FORMAT);
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut category_domain = String::new();
    let mut authors: HashMap<String, SourceAuthor> = HashMap::new();
    let mut author: HashMap<String, String> = HashMap::new();
    let mut items: Vec<RawItem> = Vec::new();
    let mut item: Option<RawItem> = None;
    let mut wxr_version = false;
    loop {
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(0);
            malformed(format!("line {}: {e}", line_at(xml, at)))
        })?;
        match event {
            Event::Start(e) => {
                let name = e.name().as_ref().to_owned();
                if name == "item" && stack.last().map(String::as_str) == Some("channel") {
                    item = Some(RawItem {
                        offset,
                        ..RawItem::default()
                    });
                }
                if name == "category" {
                    category_domain = e
                        .try_get_attribute("domain")
                        .ok()
                        .flatten()
                        .and_then(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.into_owned())
                        })
                        .unwrap_or_default();
                }
                stack.push(name);
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let entity = format!("&{};", r.xml10_content());
                match quick_xml::escape::unescape(&entity) {
                    Ok(s) => text.push_str(&s),
                    Err(e) => {
                        return Err(malformed(format!("line {}: {e}", line_at(xml, offset))));
                    }
                }
            }
            Event::End(_) => {
                let Some(name) = stack.pop() else {
                    return Err(malformed("an element closes that never opened".into()));
                };
                let parent = stack.last().map(String::as_str);
                let value = std::mem::take(&mut text);
                match (parent, name.as_str()) {
                    (Some("channel"), "wp:wxr_version") => wxr_version = true,
                    (Some("channel"), "wp:author") => {
                        let login = author.remove("wp:author_login").unwrap_or_default();
                        let display = author.remove("wp:author_display_name").unwrap_or_default();
                        if !login.trim().is_empty() {
                            authors.insert(
                                login.trim().to_owned(),
                                SourceAuthor {
                                    login: login.trim().to_owned(),
                                    display_name: display.trim().to_owned(),
                                },
                            );
                        }
                        author.clear();
                    }
                    (Some("wp:author"), field) => {
                        author.insert(field.to_owned(), value);
                    }
                    (Some("channel"), "item") => items.extend(item.take()),
                    (Some("item"), "category") => {
                        if let Some(it) = item.as_mut() {
                            it.categories
                                .push((std::mem::take(&mut category_domain), value));
                        }
                    }
                    (Some("item"), field) => {
                        if let Some(it) = item.as_mut() {
                            it.fields.insert(field.to_owned(), value);
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(malformed(format!(
            "the file ends before <{open}> is closed"
        )));
    }
    if !wxr_version {
        return Err(malformed(
            "no <channel> with a <wp:wxr_version>: export it from WordPress with Tools → Export"
                .into(),
        ));
    }
    let mut parsed = Parsed::default();
    for (i, raw) in items.into_iter().enumerate() {
        let location = format!("item {} (line {})", i + 1, line_at(xml, raw.offset));
        let kind = raw.fields.get("wp:post_type").map(|s| s.trim());
        let status = raw.fields.get("wp:status").map_or("", |s| s.trim());
        if kind != Some("post") || matches!(status, "trash" | "auto-draft" | "inherit") {
            parsed.ignored += 1;
            continue;
        }
        parsed.posts.push(post(&raw, &authors, location));
    }
    Ok(parsed)
}

fn post(
    raw: &RawItem,
    authors: &HashMap<String, SourceAuthor>,
    location: String,
) -> Result<ImportedPost, BadItem> {
    let field = |name: &str| raw.fields.get(name).map_or("", |s| s.trim());
    let bad = |reason: String| BadItem {
        location: location.clone(),
        reason,
    };
    let status = field("wp:status");
    let draft = !matches!(status, "publish" | "future");
    let published = match (field("wp:post_date_gmt"), field("pubDate")) {
        ("" | "0000-00-00 00:00:00", "") => None,
        ("" | "0000-00-00 00:00:00", _) if draft => None,
        ("" | "0000-00-00 00:00:00", pub_date) => Some(
            parse_export_date(pub_date)
                .ok_or_else(|| bad(format!("the date {pub_date:?} is not a date")))?,
        ),
        (gmt, _) => Some(
            parse_export_date(gmt).ok_or_else(|| bad(format!("the date {gmt:?} is not a date")))?,
        ),
    };
    let creator = field("dc:creator");
    let author = (!creator.is_empty()).then(|| {
        authors.get(creator).cloned().unwrap_or(SourceAuthor {
            login: creator.to_owned(),
            display_name: String::new(),
        })
    });
    let mut tags = Vec::new();
    for (domain, name) in &raw.categories {
        let name = name.trim();
        if (domain == "post_tag" || domain == "category")
            && !name.is_empty()
            && !name.eq_ignore_ascii_case("uncategorized")
            && !tags.iter().any(|t: &String| t.eq_ignore_ascii_case(name))
        {
            tags.push(name.to_owned());
        }
    }
    let summary = Some(field("excerpt:encoded").to_owned()).filter(|s| !s.is_empty());
    let mut old_urls = Vec::new();
    if !field("link").is_empty() {
        old_urls.push(field("link").to_owned());
    }
    Ok(ImportedPost {
        location: location.clone(),
        title: field("title").to_owned(),
        slug: Some(field("wp:post_name").to_owned()).filter(|s| !s.is_empty()),
        body: raw
            .fields
            .get("content:encoded")
            .cloned()
            .unwrap_or_default(),
        summary,
        tags,
        published,
        draft,
        author,
        old_urls,
    })
}

use serde_json::json;

use super::*;

fn props(v: Value) -> Properties {
    v.as_object().cloned().unwrap_or_default()
}

#[test]
fn a_form_becomes_properties_with_bracketed_and_repeated_names_alike() {
    let fields: Vec<(String, String)> = [
        ("h", "entry"),
        ("content", "Hello"),
        ("category[]", "rust"),
        ("category[]", "web"),
        ("category", "indieweb"),
        ("access_token", "secret"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let p = form_properties(&fields);
    assert_eq!(p["category"], json!(["rust", "web", "indieweb"]));
    assert!(!p.contains_key("access_token") && !p.contains_key("h"));
    let entry = Entry::from_properties(&p).unwrap();
    assert_eq!(entry.content, Some(Content::Markdown("Hello".into())));
    assert_eq!(entry.title(), "Hello");
}

#[test]
fn json_content_may_be_html_and_photos_may_carry_alt_text() {
    let p = props(json!({
        "name": ["Trip"],
        "content": [{"html": "<p>We <b>went</b></p>"}],
        "photo": [{"value": "https://example.com/a.jpg", "alt": "A hill"}, "/media/x.jpg"],
        "post-status": ["draft"],
        "published": ["2025-03-01T10:00:00+01:00"],
        "mp-slug": ["trip"],
    }));
    let e = Entry::from_properties(&p).unwrap();
    assert_eq!(
        e.content,
        Some(Content::Html("<p>We <b>went</b></p>".into()))
    );
    assert!(e.draft);
    assert_eq!(e.slug.as_deref(), Some("trip"));
    assert_eq!(
        e.published.unwrap().to_rfc3339(),
        "2025-03-01T09:00:00+00:00"
    );
    assert_eq!(
        e.body(),
        "<p>We <b>went</b></p>\n\n![A hill](<https://example.com/a.jpg>)\n\n![](</media/x.jpg>)"
    );
}

#[test]
fn a_note_is_titled_by_its_first_words_and_bad_values_are_named() {
    let long = "word ".repeat(40);
    let e = Entry::from_properties(&props(json!({"content": [long]}))).unwrap();
    assert!(e.title().ends_with('…') && e.title().chars().count() <= DERIVED_TITLE_CHARS + 1);
    assert_eq!(
        Entry::from_properties(&props(json!({"content": "not a list"}))),
        Err(RequestError::NotAList("content".into()))
    );
    assert_eq!(
        Entry::from_properties(&props(json!({"content": ["x"], "published": ["soon"]}))),
        Err(RequestError::BadDate)
    );
    assert_eq!(
        Entry::from_properties(&props(json!({"category": ["x"]}))),
        Err(RequestError::Empty)
    );
    assert_eq!(
        check_type("h-card"),
        Err(RequestError::UnsupportedType("card".into()))
    );
    assert_eq!(check_type("h-entry"), Ok(()));
}

#[test]
fn an_update_replaces_adds_and_deletes_values_or_whole_properties() {
    let mut p = props(json!({"name": ["Old"], "category": ["a", "b"], "content": ["Text"]}));
    let update = props(json!({
        "replace": {"name": ["New"]},
        "add": {"category": ["c"]},
        "delete": {"category": ["a"]},
    }));
    apply_update(&mut p, &update).unwrap();
    assert_eq!(p["name"], json!(["New"]));
    assert_eq!(p["category"], json!(["b", "c"]));
    assert!(
        touches(&update, "name") && touches(&update, "category") && !touches(&update, "content")
    );
    apply_update(&mut p, &props(json!({"delete": ["category"]}))).unwrap();
    assert!(!p.contains_key("category"));
    assert!(apply_update(&mut p, &props(json!({"delete": "category"}))).is_err());
    assert!(apply_update(&mut p, &props(json!({"replace": {"name": "x"}}))).is_err());
}

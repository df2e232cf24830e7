use super::*;

#[test]
fn old_addresses_become_paths_without_empty_segments() {
    assert_eq!(
        old_path("https://old.example/2019/03/hello-world/").as_deref(),
        Some("/2019/03/hello-world")
    );
    assert_eq!(old_path("/hello//x/?p=1").as_deref(), Some("/hello/x"));
    assert_eq!(old_path("https://old.example/"), None);
    assert_eq!(old_path("mailto:a@b.example"), None);
    assert_eq!(old_path("not an address"), None);
}

#[test]
fn authors_of_other_sites_get_usable_usernames() {
    assert_eq!(username_for("Alice").as_deref(), Some("alice"));
    assert_eq!(
        username_for("jean-luc.picard").as_deref(),
        Some("jean_luc_picard")
    );
    assert_eq!(username_for("--"), None);
    assert_eq!(username_for("admin"), None, "reserved names are not taken");
}

#[test]
fn export_dates_in_their_usual_forms() {
    let t = parse_export_date("2019-03-12 10:00:00").unwrap();
    assert_eq!(t.to_rfc3339(), "2019-03-12T10:00:00+00:00");
    let t = parse_export_date("Tue, 12 Mar 2019 10:00:00 +0000").unwrap();
    assert_eq!(t.to_rfc3339(), "2019-03-12T10:00:00+00:00");
    let t = parse_export_date("2019-11-26T09:00:00.000Z").unwrap();
    assert_eq!(t.to_rfc3339(), "2019-11-26T09:00:00+00:00");
    assert_eq!(parse_export_date("yesterday"), None);
}

#[test]
fn old_slugs_are_made_canonical() {
    let post = ImportedPost {
        location: "item 1".into(),
        title: "Caf\u{e9} notes".into(),
        slug: Some("caf%c3%a9-notes".into()),
        body: "Text.".into(),
        summary: None,
        tags: vec!["Web Dev".into()],
        published: None,
        draft: false,
        author: None,
        old_urls: vec![],
    };
    let s = post.submission().unwrap();
    assert_eq!(s.slug.as_str(), "cafe-notes");
    assert_eq!(s.tags[0].as_str(), "WebDev");
}

#[test]
fn a_wxr_file_cut_short_is_named_malformed() {
    let err = wxr::parse("x.xml", "<rss><channel><item><title>a</title>").unwrap_err();
    assert!(err.to_string().contains("WordPress export"), "{err}");
    let err = wxr::parse("x.xml", "<rss><channel></channel></rss>").unwrap_err();
    assert!(err.to_string().contains("wxr_version"), "{err}");
}

#[test]
fn images_on_other_servers_are_found_in_html_and_markdown() {
    let site = url::Url::parse("https://community.example").unwrap();
    let body = "<p>A <IMG alt='x' SRC=\"https://old.example/a.jpg\"> and <img src=/media/b.png></p>\n\n\
                ![c](https://cdn.example/c.png \"title\") [not an image](https://old.example/d)\n\
                ![ours](https://community.example/media/e.png)";
    assert_eq!(
        remote_images(body, &site),
        ["https://old.example/a.jpg", "https://cdn.example/c.png"]
    );
}

use super::*;

#[test]
fn yaml_and_toml_give_the_same_fields() {
    let (y, body) = split(
        "---\ntitle: Hello\ntags: [rust, web]\ndraft: true\npublished: 2026-01-02\n---\nBody\n",
    )
    .unwrap();
    assert_eq!(y.title.as_deref(), Some("Hello"));
    assert_eq!(y.tags.unwrap().items(), vec!["rust", "web"]);
    assert_eq!(body, "Body\n");
    let (t, body) = split(
        "+++\ntitle = \"Hello\"\ntags = \"rust, web\"\npublished = 2026-01-02T10:00:00Z\n+++\nBody",
    )
    .unwrap();
    assert_eq!(t.title.as_deref(), Some("Hello"));
    assert_eq!(t.tags.unwrap().items(), vec!["rust", "web"]);
    assert_eq!(
        parse_date(t.published.as_deref().unwrap())
            .unwrap()
            .to_rfc3339(),
        "2026-01-02T10:00:00+00:00"
    );
    assert_eq!(body, "Body");
}

#[test]
fn no_front_matter_is_fine() {
    let (fm, body) = split("# Title\n\ntext").unwrap();
    assert_eq!(fm, FrontMatter::default());
    assert_eq!(body, "# Title\n\ntext");
}

#[test]
fn mistakes_are_named() {
    assert!(
        matches!(split("---\ntitel: x\n---\n"), Err(FrontMatterError::Invalid(m)) if m.contains("titel"))
    );
    assert!(matches!(
        split("---\ntitle: [unclosed\n---\n"),
        Err(FrontMatterError::Yaml(_))
    ));
    assert!(matches!(
        split("+++\ntitle = \n+++\n"),
        Err(FrontMatterError::Toml(_))
    ));
    assert_eq!(
        split("---\ntitle: x\n"),
        Err(FrontMatterError::Unclosed("---"))
    );
    assert!(parse_date("next tuesday").is_err());
}

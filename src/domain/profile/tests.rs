use super::*;

fn input(fields: &[(&str, &str)]) -> ProfileInput {
    ProfileInput {
        display_name: "Alice".into(),
        bio: "Hello".into(),
        fediverse_creator: String::new(),
        fields: fields
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    }
}

#[test]
fn web_addresses_become_rel_me_links_and_other_values_are_escaped() {
    let site = ProfileField {
        name: "Site".into(),
        value: "https://alice.example/".into(),
    };
    assert_eq!(
        site.value_html(),
        "<a href=\"https://alice.example/\" target=\"_blank\" rel=\"nofollow noopener noreferrer me\">alice.example</a>"
    );
    let text = ProfileField {
        name: "Pronouns".into(),
        value: "she/<her>".into(),
    };
    assert_eq!(text.value_html(), "she/&lt;her&gt;");
    assert!(field_link("javascript:alert(1)").is_none());
    assert!(field_link("https://a.example and more").is_none());
}

#[test]
fn empty_rows_are_dropped_and_half_rows_refused() {
    let p = input(&[("", ""), ("Site", "https://a.example"), ("  ", " ")])
        .check()
        .unwrap();
    assert_eq!(p.fields.len(), 1);
    assert_eq!(
        input(&[("Site", "")]).check(),
        Err(ProfileError::IncompleteField(1))
    );
    let five = [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")];
    assert_eq!(input(&five).check(), Err(ProfileError::TooManyFields));
    let long = "x".repeat(MAX_FIELD_CHARS + 1);
    assert_eq!(
        input(&[("a", &long)]).check(),
        Err(ProfileError::FieldTooLong(1))
    );
}

#[test]
fn the_display_name_and_handle_are_checked() {
    let mut i = input(&[]);
    i.display_name = "  ".into();
    assert_eq!(i.check(), Err(ProfileError::DisplayName));
    let mut i = input(&[]);
    i.fediverse_creator = "alice@Mastodon.Example".into();
    assert_eq!(
        i.check().unwrap().fediverse_creator.as_deref(),
        Some("@alice@mastodon.example")
    );
    i.fediverse_creator = "not a handle".into();
    assert!(matches!(i.check(), Err(ProfileError::Handle(_))));
}

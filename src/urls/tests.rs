use super::*;

#[test]
fn ids_live_under_the_base_url() {
    let c = Config {
        base_url: Url::parse("https://community.example").unwrap(),
        ..Config::default()
    };
    let alice = person(&c, "alice");
    assert_eq!(alice.as_str(), "https://community.example/@alice");
    assert_eq!(key_id(&alice), "https://community.example/@alice#main-key");
    assert_eq!(
        under(&alice, "inbox").as_str(),
        "https://community.example/@alice/inbox"
    );
    assert!(is_local(&c, &article(&c, "x")));
    assert!(!is_local(
        &c,
        &Url::parse("https://other.example/@alice").unwrap()
    ));
    assert_eq!(
        local_actor_name(&c, &Url::parse("https://community.example/@Alice").unwrap()).as_deref(),
        Some("alice")
    );
    assert_eq!(
        local_actor_name(
            &c,
            &Url::parse("https://community.example/@alice/outbox").unwrap()
        ),
        None
    );
    assert_eq!(
        local_actor_name(&c, &Url::parse("https://other.example/@alice").unwrap()),
        None
    );
}

#[test]
fn instances_are_hosts_with_their_port() {
    let u = |s: &str| Url::parse(s).unwrap();
    assert_eq!(
        instance_of(&u("https://Social.Example/inbox")).as_deref(),
        Some("social.example")
    );
    assert_eq!(
        instance_of(&u("https://social.example:443/inbox")).as_deref(),
        Some("social.example")
    );
    assert_eq!(
        instance_of(&u("http://127.0.0.1:4001/users/a/inbox")).as_deref(),
        Some("127.0.0.1:4001")
    );
    assert_eq!(
        instance_of(&u("https://[::1]:8443/inbox")).as_deref(),
        Some("[::1]:8443")
    );
    assert_eq!(instance_of(&u("mailto:someone@example.org")), None);
}

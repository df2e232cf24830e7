use super::*;
use crate::config::Config;

#[test]
fn json_content_types() {
    assert!(is_json_type("application/activity+json"));
    assert!(is_json_type(
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
    ));
    assert!(is_json_type("Application/JSON; charset=utf-8"));
    assert!(!is_json_type("text/html; charset=utf-8"));
    assert!(!is_json_type(""));
}

fn client(allow_private_networks: bool) -> HttpClient {
    let config = Config {
        allow_private_networks,
        ..Config::default()
    };
    HttpClient::new(&config).unwrap()
}

#[test]
fn urls_are_checked_before_connecting() {
    let strict = client(false);
    let u = |s: &str| Url::parse(s).unwrap();
    assert!(strict.check_url(&u("https://social.example/inbox")).is_ok());
    assert!(strict.check_url(&u("https://8.8.8.8/inbox")).is_ok());
    for refused in [
        "http://social.example/inbox",
        "https://127.0.0.1/inbox",
        "https://[::1]/inbox",
        "https://[::ffff:192.168.0.1]/x",
        "https://10.0.0.1:8443/x",
        "ftp://social.example/x",
    ] {
        assert!(
            matches!(strict.check_url(&u(refused)), Err(ClientError::Refused(_))),
            "{refused}"
        );
    }
    let open = client(true);
    assert!(open.check_url(&u("http://127.0.0.1:4000/inbox")).is_ok());
    assert!(open.check_url(&u("ftp://127.0.0.1/x")).is_err());
}

#[tokio::test]
async fn names_resolving_only_to_private_addresses_are_refused() {
    let strict = client(false);
    let err = strict
        .fetch_json(&Url::parse("https://localhost:9/actor").unwrap(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Refused(_)), "{err:?}");
    assert!(!err.is_transient());
}

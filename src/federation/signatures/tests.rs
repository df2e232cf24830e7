use super::*;
use http::{HeaderName, HeaderValue, Method};
use serde::Deserialize;

/// `SystemTime` at a Unix timestamp.
pub(crate) fn at(secs: i64) -> SystemTime {
    from_unix_seconds(secs).expect("representable time")
}

pub(crate) fn url(text: &str) -> Url {
    Url::parse(text).expect("test URL")
}

pub(crate) fn header_map(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        );
    }
    map
}

/// A request recorded as a JSON fixture by an independent implementation.
#[derive(Deserialize)]
struct FixtureFile {
    method: String,
    url: String,
    /// Field lines in order, as (name, value) pairs.
    headers: Vec<(String, String)>,
    body: String,
    public_key_pem: String,
    now: i64,
}

/// A fixture ready to use.
pub(crate) struct Fixture {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub key: PublicKey,
    pub now: SystemTime,
}

pub(crate) fn load_fixture(text: &str) -> Fixture {
    let file: FixtureFile = serde_json::from_str(text).expect("fixture JSON");
    let mut headers = HeaderMap::new();
    for (name, value) in &file.headers {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).expect("name"),
            HeaderValue::from_str(value).expect("value"),
        );
    }
    Fixture {
        method: Method::from_bytes(file.method.as_bytes()).expect("method"),
        url: url(&file.url),
        headers,
        body: file.body.into_bytes(),
        key: PublicKey::from_pem(&file.public_key_pem).expect("fixture key"),
        now: at(file.now),
    }
}

const NOW: i64 = 1_740_830_400; // 2025-03-01T12:00:00Z
const KEY_ID: &str = "https://chorus.example/users/alice#main-key";
const BODY: &[u8] = br#"{"type":"Create","actor":"https://chorus.example/users/alice"}"#;

fn key() -> &'static PrivateKey {
    static KEY: std::sync::OnceLock<PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(PrivateKey::generate_rsa_2048)
}

fn public() -> PublicKey {
    key().public_key().expect("public key")
}

fn inbox() -> Url {
    url("https://remote.example/users/bob/inbox")
}

fn cavage_signed(method: &Method, target: &Url, body: Option<&[u8]>) -> HeaderMap {
    let signed = cavage::sign_request(method, target, body, KEY_ID, key(), at(NOW)).expect("signs");
    let mut headers = HeaderMap::new();
    signed.apply_to(&mut headers);
    headers
}

fn parse(
    method: &Method,
    target: &Url,
    headers: &HeaderMap,
    body: Option<&[u8]>,
    now: i64,
) -> Result<PendingSignature, SignatureError> {
    parse_request_signature(method, target, headers, body, at(now))
}

#[test]
fn cavage_round_trip_get() {
    let target = url("https://remote.example/users/bob?page=2");
    let headers = cavage_signed(&Method::GET, &target, None);
    let sig = headers["signature"].to_str().expect("ascii");
    assert!(
        sig.contains(r#"headers="(request-target) host date","#),
        "{sig}"
    );
    assert!(!headers.contains_key("digest"));
    let pending = parse(&Method::GET, &target, &headers, None, NOW).expect("acceptable");
    assert_eq!(pending.key_id, KEY_ID);
    assert_eq!(pending.scheme, Scheme::Cavage);
    assert_eq!(pending.covered, ["(request-target)", "host", "date"]);
    assert_eq!(pending.signed_at, Some(at(NOW)));
    assert!(!pending.body_digest_checked);
    assert_eq!(
        pending.signing_base(),
        format!(
            "(request-target): get /users/bob?page=2\nhost: remote.example\ndate: {}",
            httpdate::fmt_http_date(at(NOW))
        )
        .as_bytes()
    );
    pending.verify(&public()).expect("verifies");
    let other = PrivateKey::generate_rsa_2048().public_key().expect("other");
    assert_eq!(pending.verify(&other), Err(SignatureError::BadSignature));
}

#[test]
fn cavage_round_trip_post() {
    let headers = cavage_signed(&Method::POST, &inbox(), Some(BODY));
    let sig = headers["signature"].to_str().expect("ascii");
    assert!(sig.starts_with(&format!(r#"keyId="{KEY_ID}",algorithm="rsa-sha256","#)));
    assert!(sig.contains(r#"headers="(request-target) host date digest","#));
    assert_eq!(headers["host"], "remote.example");
    let pending =
        parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW + 30).expect("acceptable");
    assert!(pending.body_digest_checked);
    pending.verify(&public()).expect("verifies");
}

#[test]
fn cavage_tampered_body_is_a_digest_mismatch() {
    let headers = cavage_signed(&Method::POST, &inbox(), Some(BODY));
    let err = parse(&Method::POST, &inbox(), &headers, Some(b"{}"), NOW).expect_err("tampered");
    assert_eq!(err, SignatureError::DigestMismatch);
}

#[test]
fn cavage_post_without_digest_is_refused() {
    let mut headers = cavage_signed(&Method::POST, &inbox(), Some(BODY));
    headers.remove("digest");
    assert_eq!(
        parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW).expect_err("no digest"),
        SignatureError::DigestMissing
    );
    // A digest that is present but not signed is refused too.
    let headers = cavage_signed(&Method::GET, &inbox(), None);
    let mut headers = headers.clone();
    headers.insert(
        "digest",
        HeaderValue::from_str(&digest::digest_header_value(BODY)).expect("value"),
    );
    assert_eq!(
        parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW).expect_err("unsigned"),
        SignatureError::HeaderNotSigned("digest")
    );
}

#[test]
fn cavage_date_window() {
    let headers = cavage_signed(&Method::POST, &inbox(), Some(BODY));
    let twelve_hours = 12 * 3600;
    parse(
        &Method::POST,
        &inbox(),
        &headers,
        Some(BODY),
        NOW + twelve_hours,
    )
    .expect("edge");
    assert_eq!(
        parse(
            &Method::POST,
            &inbox(),
            &headers,
            Some(BODY),
            NOW + twelve_hours + 1
        )
        .expect_err("stale"),
        SignatureError::DateOutOfWindow
    );
    parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW - 300).expect("skew edge");
    assert_eq!(
        parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW - 301).expect_err("future"),
        SignatureError::DateOutOfWindow
    );
    let tight = VerifyPolicy::with_window(Duration::from_secs(60), Duration::ZERO);
    let err = parse_request_signature_with_policy(
        &Method::POST,
        &inbox(),
        &headers,
        Some(BODY),
        at(NOW + 61),
        &tight,
    )
    .expect_err("custom window");
    assert_eq!(err, SignatureError::DateOutOfWindow);
}

#[test]
fn cavage_signature_for_another_path_fails() {
    let headers = cavage_signed(&Method::POST, &inbox(), Some(BODY));
    let elsewhere = url("https://remote.example/inbox");
    let pending = parse(&Method::POST, &elsewhere, &headers, Some(BODY), NOW).expect("parses");
    assert_eq!(pending.verify(&public()), Err(SignatureError::BadSignature));
    // Same for another host.
    let other_host = url("https://evil.example/users/bob/inbox");
    let pending = parse(&Method::POST, &other_host, &headers, Some(BODY), NOW).expect("parses");
    assert_eq!(pending.verify(&public()), Err(SignatureError::BadSignature));
}

/// Signs a draft-cavage request by hand, independently of `sign_request`.
fn hand_signed(algorithm: Option<&str>, digest_value: &str, in_authorization: bool) -> HeaderMap {
    let date = httpdate::fmt_http_date(at(NOW));
    let signing = format!(
        "(request-target): post /users/bob/inbox\nhost: remote.example\ndate: {date}\ndigest: {digest_value}"
    );
    let signature = b64_encode(&key().sign_rsa_sha256(signing.as_bytes()).expect("sign"));
    let alg = algorithm
        .map(|a| format!(r#"algorithm="{a}","#))
        .unwrap_or_default();
    let value = format!(
        r#"keyId="{KEY_ID}",{alg}headers="(request-target) host date digest",signature="{signature}""#
    );
    let mut pairs = vec![
        ("host", "remote.example".to_owned()),
        ("date", date),
        ("digest", digest_value.to_owned()),
    ];
    if in_authorization {
        pairs.push(("authorization", format!("Signature {value}")));
    } else {
        pairs.push(("signature", value));
    }
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (*n, v.as_str())).collect();
    header_map(&borrowed)
}

#[test]
fn cavage_accepts_lowercase_digest_and_algorithm_spellings() {
    let lower = digest::digest_header_value(BODY).replace("SHA-256=", "sha-256=");
    let upper = digest::digest_header_value(BODY);
    for (alg, digest_value) in [
        (Some("rsa-sha256"), lower.as_str()),
        (Some("hs2019"), upper.as_str()),
        (Some("RSA-SHA256"), upper.as_str()),
        (Some("HS2019"), lower.as_str()),
        (None, upper.as_str()),
    ] {
        let headers = hand_signed(alg, digest_value, false);
        let pending = parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW)
            .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        pending
            .verify(&public())
            .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
    }
    let headers = hand_signed(Some("hmac-sha256"), &upper, false);
    assert!(matches!(
        parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW),
        Err(SignatureError::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn cavage_in_authorization_header() {
    let headers = hand_signed(Some("rsa-sha256"), &digest::digest_header_value(BODY), true);
    let pending = parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW).expect("parses");
    pending.verify(&public()).expect("verifies");
}

#[test]
fn cavage_coverage_rules() {
    // GET must sign host.
    let date = httpdate::fmt_http_date(at(NOW));
    let signing = format!("(request-target): get /users/bob\ndate: {date}");
    let signature = b64_encode(&key().sign_rsa_sha256(signing.as_bytes()).expect("sign"));
    let value = format!(
        r#"keyId="{KEY_ID}",algorithm="rsa-sha256",headers="(request-target) date",signature="{signature}""#
    );
    let headers = header_map(&[("date", &date), ("signature", &value)]);
    let target = url("https://remote.example/users/bob");
    assert_eq!(
        parse(&Method::GET, &target, &headers, None, NOW).expect_err("no host"),
        SignatureError::HeaderNotSigned("host")
    );
    // Neither date nor (created) signed.
    let value = format!(
        r#"keyId="{KEY_ID}",algorithm="rsa-sha256",headers="(request-target) host",signature="{signature}""#
    );
    let headers = header_map(&[("date", &date), ("signature", &value)]);
    assert_eq!(
        parse(&Method::GET, &target, &headers, None, NOW).expect_err("no date"),
        SignatureError::HeaderNotSigned("date")
    );
    // Unsigned request.
    assert_eq!(
        parse(&Method::GET, &target, &HeaderMap::new(), None, NOW).expect_err("unsigned"),
        SignatureError::Missing
    );
}

#[test]
fn rfc9421_round_trip_post() {
    let signed = rfc9421::sign_request(&Method::POST, &inbox(), Some(BODY), KEY_ID, key(), at(NOW))
        .expect("signs");
    let mut headers = HeaderMap::new();
    signed.apply_to(&mut headers);
    assert_eq!(
        headers["signature-input"],
        format!(
            r#"sig1=("@method" "@target-uri" "content-digest");created={NOW};keyid="{KEY_ID}";alg="rsa-v1_5-sha256""#
        )
        .as_str()
    );
    let pending =
        parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW + 5).expect("acceptable");
    assert_eq!(pending.scheme, Scheme::Rfc9421);
    assert_eq!(pending.key_id, KEY_ID);
    assert_eq!(pending.label.as_deref(), Some("sig1"));
    assert_eq!(
        pending.algorithm,
        AlgorithmChoice::Named(SignatureAlgorithm::RsaPkcs1Sha256)
    );
    assert!(pending.body_digest_checked);
    pending.verify(&public()).expect("verifies");

    // Another method or target breaks it.
    let pending = parse(&Method::PUT, &inbox(), &headers, Some(BODY), NOW).expect("parses");
    assert_eq!(pending.verify(&public()), Err(SignatureError::BadSignature));
    let moved = url("https://remote.example/users/bob/inbox?x");
    let pending = parse(&Method::POST, &moved, &headers, Some(BODY), NOW).expect("parses");
    assert_eq!(pending.verify(&public()), Err(SignatureError::BadSignature));
    // A tampered body is caught before any key is needed.
    assert_eq!(
        parse(&Method::POST, &inbox(), &headers, Some(b"{}"), NOW).expect_err("tampered"),
        SignatureError::DigestMismatch
    );
    assert_eq!(
        parse(
            &Method::POST,
            &inbox(),
            &headers,
            Some(BODY),
            NOW + 13 * 3600
        )
        .expect_err("stale"),
        SignatureError::DateOutOfWindow
    );
}

#[test]
fn rfc9421_round_trip_get() {
    let target = url("https://remote.example/users/bob");
    let signed =
        rfc9421::sign_request(&Method::GET, &target, None, KEY_ID, key(), at(NOW)).expect("signs");
    assert!(signed.content_digest.is_none());
    let mut headers = HeaderMap::new();
    signed.apply_to(&mut headers);
    let pending = parse(&Method::GET, &target, &headers, None, NOW).expect("acceptable");
    assert!(!pending.body_digest_checked);
    pending.verify(&public()).expect("verifies");
}

/// Signs an RFC 9421 request by hand with the given components and params.
fn hand_signed_9421(
    label: &str,
    components: &[&str],
    params: &str,
    extra: &[(&str, &str)],
) -> (String, String) {
    let mut headers = header_map(extra);
    headers.insert(
        "content-digest",
        HeaderValue::from_str(&digest::content_digest_header_value(BODY)).expect("value"),
    );
    let mut base = String::new();
    for c in components {
        let value = match *c {
            "@method" => "POST".to_owned(),
            "@target-uri" => inbox().to_string(),
            "@authority" => "remote.example".to_owned(),
            "@path" => "/users/bob/inbox".to_owned(),
            derived if derived.starts_with('@') => "unsupported".to_owned(),
            name => headers[name].to_str().expect("ascii").to_owned(),
        };
        base.push_str(&format!("\"{c}\": {value}\n"));
    }
    let list = format!(
        "({}){params}",
        components
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(" ")
    );
    base.push_str(&format!("\"@signature-params\": {list}"));
    let signature = b64_encode(&key().sign_rsa_sha256(base.as_bytes()).expect("sign"));
    (format!("{label}={list}"), format!("{label}=:{signature}:"))
}

fn with_9421(input: &str, signature: &str) -> HeaderMap {
    header_map(&[
        ("content-digest", &digest::content_digest_header_value(BODY)),
        ("signature-input", input),
        ("signature", signature),
    ])
}

#[test]
fn rfc9421_policy() {
    let params = format!(r#";created={NOW};keyid="{KEY_ID}""#);
    let full = ["@method", "@target-uri", "content-digest"];

    // Without alg, an RSA key means rsa-v1_5-sha256.
    let (i, s) = hand_signed_9421("a", &full, &params, &[]);
    let pending = parse(&Method::POST, &inbox(), &with_9421(&i, &s), Some(BODY), NOW).expect("ok");
    assert_eq!(pending.algorithm, AlgorithmChoice::FromKey);
    pending.verify(&public()).expect("verifies");

    // @authority + @path instead of @target-uri.
    let (i, s) = hand_signed_9421(
        "a",
        &["@method", "@authority", "@path", "content-digest"],
        &params,
        &[],
    );
    parse(&Method::POST, &inbox(), &with_9421(&i, &s), Some(BODY), NOW)
        .expect("authority+path")
        .verify(&public())
        .expect("verifies");

    let refused = |components: &[&str], params: &str| {
        let (i, s) = hand_signed_9421("a", components, params, &[]);
        parse(&Method::POST, &inbox(), &with_9421(&i, &s), Some(BODY), NOW).expect_err("refused")
    };
    assert_eq!(
        refused(&["@target-uri", "content-digest"], &params),
        SignatureError::HeaderNotSigned("@method")
    );
    assert_eq!(
        refused(&["@method", "@path", "content-digest"], &params),
        SignatureError::HeaderNotSigned("@target-uri")
    );
    assert_eq!(
        refused(&["@method", "@target-uri"], &params),
        SignatureError::HeaderNotSigned("content-digest")
    );
    assert_eq!(
        refused(&full, &format!(r#";keyid="{KEY_ID}""#)),
        SignatureError::HeaderNotSigned("created")
    );
    assert_eq!(
        refused(
            &full,
            &format!(r#";created={};keyid="{KEY_ID}""#, NOW - 13 * 3600)
        ),
        SignatureError::DateOutOfWindow
    );
    assert_eq!(
        refused(
            &full,
            &format!(r#";created={NOW};expires={};keyid="{KEY_ID}""#, NOW - 1)
        ),
        SignatureError::DateOutOfWindow
    );
    assert!(matches!(
        refused(
            &full,
            &format!(r#";created={NOW};keyid="{KEY_ID}";alg="hmac-sha256""#)
        ),
        SignatureError::UnsupportedAlgorithm(_)
    ));
    assert!(matches!(
        refused(&full, &format!(r#";created={NOW}"#)),
        SignatureError::Malformed(_)
    ));
    assert!(matches!(
        refused(
            &["@method", "@target-uri", "content-digest", "@query-param"],
            &params
        ),
        SignatureError::Malformed(_)
    ));
}

#[test]
fn rfc9421_picks_the_first_acceptable_signature() {
    let good_params = format!(r#";created={NOW};keyid="{KEY_ID}";alg="rsa-v1_5-sha256""#);
    let bad_params = format!(r#";created={NOW};keyid="other";alg="hmac-sha256""#);
    let full = ["@method", "@target-uri", "content-digest"];
    let (i1, s1) = hand_signed_9421("first", &full, &bad_params, &[]);
    let (i2, s2) = hand_signed_9421("second", &full, &good_params, &[]);
    let headers = with_9421(&format!("{i1}, {i2}"), &format!("{s1}, {s2}"));
    let pending = parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW).expect("second");
    assert_eq!(pending.label.as_deref(), Some("second"));
    assert_eq!(pending.key_id, KEY_ID);
    pending.verify(&public()).expect("verifies");

    // Separate field lines are combined like one list.
    let mut headers = with_9421(&i1, &s1);
    headers.append(
        "signature-input",
        HeaderValue::from_str(&i2).expect("value"),
    );
    headers.append("signature", HeaderValue::from_str(&s2).expect("value"));
    let pending = parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW).expect("second");
    assert_eq!(pending.label.as_deref(), Some("second"));

    // Both unacceptable: the first one's reason is reported.
    let headers = with_9421(&i1, &s1);
    assert!(matches!(
        parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW),
        Err(SignatureError::UnsupportedAlgorithm(_))
    ));
    // Label with no signature.
    let headers = with_9421(&i2, &s1.replace("first", "third"));
    assert!(matches!(
        parse(&Method::POST, &inbox(), &headers, Some(BODY), NOW),
        Err(SignatureError::Malformed(_))
    ));
}

#[test]
fn independent_rfc9421_fixture_verifies() {
    let f = load_fixture(include_str!("fixtures/rfc9421_rsa_v1_5_post.json"));
    let pending = parse_request_signature(&f.method, &f.url, &f.headers, Some(&f.body), f.now)
        .expect("acceptable");
    assert_eq!(pending.scheme, Scheme::Rfc9421);
    assert_eq!(pending.key_id, "https://remote.example/users/bob#main-key");
    assert!(pending.body_digest_checked);
    pending.verify(&f.key).expect("verifies");
    assert_eq!(pending.verify(&public()), Err(SignatureError::BadSignature));

    let mut tampered = f.body.clone();
    tampered[10] ^= 1;
    assert_eq!(
        parse_request_signature(&f.method, &f.url, &f.headers, Some(&tampered), f.now)
            .expect_err("tampered"),
        SignatureError::DigestMismatch
    );
    let mut headers = f.headers.clone();
    headers.insert("content-type", HeaderValue::from_static("text/plain"));
    let pending =
        parse_request_signature(&f.method, &f.url, &headers, Some(&f.body), f.now).expect("parses");
    assert_eq!(pending.verify(&f.key), Err(SignatureError::BadSignature));
}

#[test]
fn independent_cavage_fixture_verifies() {
    let f = load_fixture(include_str!("fixtures/cavage_rsa_sha256_post.json"));
    let pending = parse_request_signature(&f.method, &f.url, &f.headers, Some(&f.body), f.now)
        .expect("acceptable");
    assert_eq!(pending.scheme, Scheme::Cavage);
    assert_eq!(
        pending.covered,
        ["(request-target)", "host", "date", "digest", "content-type"]
    );
    pending.verify(&f.key).expect("verifies");

    let mut headers = f.headers.clone();
    headers.insert("content-type", HeaderValue::from_static("text/plain"));
    let pending =
        parse_request_signature(&f.method, &f.url, &headers, Some(&f.body), f.now).expect("parses");
    assert_eq!(pending.verify(&f.key), Err(SignatureError::BadSignature));
}

#[test]
fn shared_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PublicKey>();
    assert_send_sync::<PrivateKey>();
    assert_send_sync::<KeyCache>();
    assert_send_sync::<PendingSignature>();
    assert_send_sync::<SignatureError>();
}

#[test]
fn helpers() {
    let headers = header_map(&[("x", " a "), ("x", "b\t"), ("y", "")]);
    assert_eq!(combined_field(&headers, "x").as_deref(), Some(&b"a, b"[..]));
    assert_eq!(combined_field(&headers, "y").as_deref(), Some(&b""[..]));
    assert_eq!(combined_field(&headers, "z"), None);
    assert_eq!(
        authority(&url("https://EXAMPLE.com:443/x")).expect("a"),
        "example.com"
    );
    assert_eq!(
        authority(&url("http://example.com:8080/x")).expect("a"),
        "example.com:8080"
    );
    assert_eq!(path_and_query(&url("https://e.x/a/b?c=d")), "/a/b?c=d");
    assert_eq!(path_and_query(&url("https://e.x")), "/");
    assert_eq!(unix_seconds(at(-5)), -5);
    assert_eq!(unix_seconds(at(NOW)), NOW);
}

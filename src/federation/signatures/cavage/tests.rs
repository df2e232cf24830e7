use super::*;
use crate::federation::signatures::keys::tests::CAVAGE_TEST_PUBLIC_KEY;
use crate::federation::signatures::tests::{header_map, url};
use crate::federation::signatures::{PublicKey, VerifyPolicy, parse_request_signature_with_policy};

#[test]
fn parses_header_variants() {
    let p = parse_signature_header(
        r#"keyId="https://a.example/u#k", algorithm="RSA-SHA256" ,headers="(request-target) Host  date",signature="AAAA",created=1402170695,expires=1402170699, extra="x""#,
    )
    .expect("parses");
    assert_eq!(p.key_id, "https://a.example/u#k");
    assert_eq!(p.algorithm.as_deref(), Some("rsa-sha256"));
    assert_eq!(p.headers, ["(request-target)", "host", "date"]);
    assert_eq!(p.signature, vec![0, 0, 0]);
    assert_eq!(p.created, Some(1_402_170_695));
    assert_eq!(p.expires, Some(1_402_170_699));

    let p = parse_signature_header(r#"keyid="k",signature="AAAA""#).expect("defaults");
    assert_eq!(p.headers, ["date"]);
    assert_eq!(p.algorithm, None);

    for bad in [
        r#"signature="AAAA""#,
        r#"keyId="k""#,
        r#"keyId="k",signature="!!!""#,
        r#"keyId="k",keyId="j",signature="AAAA""#,
        r#"keyId="k,signature="AAAA"#,
        r#"keyId="k" signature="AAAA""#,
        r#"keyId="k",signature="AAAA",created=soon"#,
        r#"keyId="",signature="AAAA""#,
        r#"keyId="k",headers="",signature="AAAA""#,
    ] {
        assert!(
            matches!(
                parse_signature_header(bad),
                Err(SignatureError::Malformed(_))
            ),
            "accepted {bad}"
        );
    }
}

/// The request of draft-cavage-http-signatures-12, Appendix C.
fn appendix_c(signature: &str) -> (Method, Url, HeaderMap, &'static [u8], SystemTime) {
    let date = "Sun, 05 Jan 2014 21:31:40 GMT";
    let headers = header_map(&[
        ("host", "example.com"),
        ("date", date),
        ("content-type", "application/json"),
        (
            "digest",
            "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
        ),
        ("content-length", "18"),
        ("signature", signature),
    ]);
    let now = httpdate::parse_http_date(date).expect("date");
    (
        Method::POST,
        url("http://example.com/foo?param=value&pet=dog"),
        headers,
        br#"{"hello": "world"}"#,
        now,
    )
}

fn check_vector(signature: &str, expected_base: &str) {
    let key = PublicKey::from_pem_allow_legacy_rsa(CAVAGE_TEST_PUBLIC_KEY).expect("key");
    let (method, target, headers, body, now) = appendix_c(signature);
    let pending = parse_request_signature_with_policy(
        &method,
        &target,
        &headers,
        Some(body),
        now,
        &VerifyPolicy::without_coverage_rules(),
    )
    .expect("acceptable");
    assert_eq!(pending.key_id, "Test");
    assert_eq!(
        std::str::from_utf8(pending.signing_base()),
        Ok(expected_base)
    );
    pending.verify(&key).expect("published vector verifies");

    // The same request with another date in the header no longer verifies.
    let mut moved = headers.clone();
    moved.insert(
        "date",
        HeaderValue::from_static("Sun, 05 Jan 2014 21:31:41 GMT"),
    );
    let pending = parse_request_signature_with_policy(
        &method,
        &target,
        &moved,
        Some(body),
        now,
        &VerifyPolicy::without_coverage_rules(),
    )
    .expect("parses");
    assert_eq!(pending.verify(&key), Err(SignatureError::BadSignature));
}

#[test]
fn draft_appendix_c1_default_test() {
    check_vector(
        concat!(
            r#"keyId="Test",algorithm="rsa-sha256","#,
            r#"signature="SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM=""#
        ),
        "date: Sun, 05 Jan 2014 21:31:40 GMT",
    );
}

#[test]
fn draft_appendix_c2_basic_test() {
    let signature = concat!(
        r#"keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date","#,
        r#"signature="qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0=""#
    );
    check_vector(
        signature,
        "(request-target): post /foo?param=value&pet=dog\nhost: example.com\ndate: Sun, 05 Jan 2014 21:31:40 GMT",
    );
    // Under the default policy this POST is refused: its digest is not signed.
    let (method, target, headers, body, now) = appendix_c(signature);
    assert_eq!(
        super::super::parse_request_signature(&method, &target, &headers, Some(body), now)
            .expect_err("policy"),
        SignatureError::HeaderNotSigned("digest")
    );
}

#[test]
fn draft_appendix_c3_all_headers_test() {
    // The C.3 signature as published covers these six headers (the
    // `(created)`/`(expires)` added to C.3's header list in later
    // revisions were never part of the published signature).
    check_vector(
        concat!(
            r#"keyId="Test",algorithm="rsa-sha256","#,
            r#"headers="(request-target) host date content-type digest content-length","#,
            r#"signature="vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE=""#
        ),
        "(request-target): post /foo?param=value&pet=dog\nhost: example.com\ndate: Sun, 05 Jan 2014 21:31:40 GMT\ncontent-type: application/json\ndigest: SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\ncontent-length: 18",
    );
}

#[test]
fn unknown_or_absent_signed_headers_are_malformed() {
    for list in ["(foo) date", "date x-absent", "date bad/name"] {
        let (method, target, headers, body, now) = appendix_c(&format!(
            r#"keyId="Test",algorithm="rsa-sha256",headers="{list}",signature="AAAA""#
        ));
        let err = parse_request_signature_with_policy(
            &method,
            &target,
            &headers,
            Some(body),
            now,
            &VerifyPolicy::without_coverage_rules(),
        )
        .expect_err(list);
        assert!(
            matches!(err, SignatureError::Malformed(_)),
            "{list}: {err:?}"
        );
    }
    let many = vec!["date"; MAX_COVERED_COMPONENTS + 1].join(" ");
    let header = format!(r#"keyId="Test",headers="{many}",signature="AAAA""#);
    assert!(matches!(
        parse_signature_header(&header),
        Err(SignatureError::Malformed(_))
    ));
}

#[test]
fn created_pseudo_header_needs_hs2019() {
    let (method, target, headers, body, now) = appendix_c(
        r#"keyId="Test",algorithm="rsa-sha256",created=1388957500,headers="(request-target) (created) host digest",signature="AAAA""#,
    );
    assert!(matches!(
        parse_request_signature_with_policy(
            &method,
            &target,
            &headers,
            Some(body),
            now,
            &VerifyPolicy::default()
        ),
        Err(SignatureError::Malformed(_))
    ));
}

#[test]
fn refuses_unquotable_key_ids() {
    let key = PrivateKey::generate_rsa_2048();
    let target = url("https://a.example/inbox");
    for bad in ["", "a\"b", "a b", "é"] {
        assert!(sign_request(&Method::GET, &target, None, bad, &key, SystemTime::now()).is_err());
    }
}

use super::*;
use crate::federation::signatures::keys::tests::{
    RFC9421_ECC_P256_PUBLIC, RFC9421_ED25519_PUBLIC, RFC9421_RSA_PSS_PUBLIC,
};
use crate::federation::signatures::tests::{at, header_map, url};
use crate::federation::signatures::{
    PendingSignature, PublicKey, VerifyPolicy, parse_request_signature,
    parse_request_signature_with_policy,
};

const CREATED: i64 = 1_618_884_473;

/// The request of RFC 9421 Appendix B.2 with the given signature fields.
fn b2_request(input: &str, signature: &str) -> (Method, Url, HeaderMap, &'static [u8]) {
    let headers = header_map(&[
        ("host", "example.com"),
        ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
        ("content-type", "application/json"),
        (
            "content-digest",
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
        ),
        ("content-length", "18"),
        ("signature-input", input),
        ("signature", signature),
    ]);
    (
        Method::POST,
        url("https://example.com/foo?param=Value&Pet=dog"),
        headers,
        br#"{"hello": "world"}"#,
    )
}

fn verify_vector(
    input: &str,
    signature: &str,
    key_pem: &str,
    expected_base: &str,
) -> PendingSignature {
    let key = PublicKey::from_pem(key_pem).expect("key");
    let (method, target, headers, body) = b2_request(input, signature);
    let pending = parse_request_signature_with_policy(
        &method,
        &target,
        &headers,
        Some(body),
        at(CREATED + 60),
        &VerifyPolicy::without_coverage_rules(),
    )
    .expect("acceptable");
    assert_eq!(
        std::str::from_utf8(pending.signing_base()),
        Ok(expected_base)
    );
    pending.verify(&key).expect("published vector verifies");

    // Flip one bit of the signature: it must fail.
    let (label, value) = signature.split_once("=:").expect("signature field");
    let mut bytes = crate::federation::signatures::b64_decode_lenient(value.trim_end_matches(':'))
        .expect("b64");
    bytes[5] ^= 0x10;
    let flipped = format!(
        "{label}=:{}:",
        crate::federation::signatures::b64_encode(&bytes)
    );
    let (method, target, headers, body) = b2_request(input, &flipped);
    let bad = parse_request_signature_with_policy(
        &method,
        &target,
        &headers,
        Some(body),
        at(CREATED + 60),
        &VerifyPolicy::without_coverage_rules(),
    )
    .expect("parses");
    assert_eq!(bad.verify(&key), Err(SignatureError::BadSignature));
    pending
}

#[test]
fn appendix_b21_minimal_rsa_pss() {
    let pending = verify_vector(
        r#"sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#,
        "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:",
        RFC9421_RSA_PSS_PUBLIC,
        r#""@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#,
    );
    assert_eq!(pending.key_id, "test-key-rsa-pss");
    assert_eq!(pending.algorithm, AlgorithmChoice::FromKey);
}

#[test]
fn appendix_b23_full_coverage_rsa_pss() {
    verify_vector(
        r#"sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss""#,
        "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:",
        RFC9421_RSA_PSS_PUBLIC,
        concat!(
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n",
            "\"@method\": POST\n",
            "\"@path\": /foo\n",
            "\"@query\": ?param=Value&Pet=dog\n",
            "\"@authority\": example.com\n",
            "\"content-type\": application/json\n",
            "\"content-digest\": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n",
            "\"content-length\": 18\n",
            "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@query\" \"@authority\" \"content-type\" \"content-digest\" \"content-length\");created=1618884473;keyid=\"test-key-rsa-pss\"",
        ),
    );
}

#[test]
fn appendix_b26_ed25519() {
    let input = r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#;
    let signature = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:";
    verify_vector(
        input,
        signature,
        RFC9421_ED25519_PUBLIC,
        concat!(
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n",
            "\"@method\": POST\n",
            "\"@path\": /foo\n",
            "\"@authority\": example.com\n",
            "\"content-type\": application/json\n",
            "\"content-length\": 18\n",
            "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"",
        ),
    );
    // The vector does not cover content-digest, so the default policy refuses it.
    let (method, target, headers, body) = b2_request(input, signature);
    assert_eq!(
        parse_request_signature(&method, &target, &headers, Some(body), at(CREATED + 60))
            .expect_err("policy"),
        SignatureError::HeaderNotSigned("content-digest")
    );
}

#[test]
fn appendix_b24_ecdsa_p256_signature() {
    // B.2.4 signs a response, which this module does not verify as a
    // message, so the published signature base is checked directly.
    let key = PublicKey::from_pem(RFC9421_ECC_P256_PUBLIC).expect("key");
    let base = concat!(
        "\"@status\": 200\n",
        "\"content-type\": application/json\n",
        "\"content-digest\": sha-512=:JlEy2bfUz7WrWIjc1qV6KVLpdr/7L5/L4h7Sxvh6sNHpDQWDCL+GauFQWcZBvVDhiyOnAQsxzZFYwi0wDH+1pw==:\n",
        "\"content-length\": 23\n",
        "\"@signature-params\": (\"@status\" \"content-type\" \"content-digest\" \"content-length\");created=1618884473;keyid=\"test-key-ecc-p256\"",
    );
    let signature = crate::federation::signatures::b64_decode_lenient(
        "0Ry6HsvzS5VmA6HlfBYS/fYYeNs7fYuA7s0tAdxfUlPGv0CSVuwrrzBOjcCFHTxVRJ01wjvSzM2BetJauj8dsw==",
    )
    .expect("b64");
    key.verify(
        SignatureAlgorithm::EcdsaP256Sha256,
        base.as_bytes(),
        &signature,
    )
    .expect("published vector verifies");
    assert_eq!(
        key.verify(
            SignatureAlgorithm::EcdsaP256Sha256,
            &base.as_bytes()[1..],
            &signature
        ),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn component_values() {
    let target = url("https://Example.COM:8443/a%20b/c?x=1&y=%20#frag");
    let headers = header_map(&[("x-multi", "one"), ("x-multi", " two ")]);
    let v = |name: &str| {
        String::from_utf8(component_value(name, &Method::PATCH, &target, &headers).expect(name))
            .expect("utf8")
    };
    assert_eq!(v("@method"), "PATCH");
    assert_eq!(
        v("@target-uri"),
        "https://example.com:8443/a%20b/c?x=1&y=%20"
    );
    assert_eq!(v("@authority"), "example.com:8443");
    assert_eq!(v("@scheme"), "https");
    assert_eq!(v("@request-target"), "/a%20b/c?x=1&y=%20");
    assert_eq!(v("@path"), "/a%20b/c");
    assert_eq!(v("@query"), "?x=1&y=%20");
    assert_eq!(v("x-multi"), "one, two");
    let bare = url("https://example.com/");
    assert_eq!(
        component_value("@query", &Method::GET, &bare, &headers).expect("query"),
        b"?"
    );
    assert!(component_value("x-absent", &Method::GET, &bare, &headers).is_err());
    assert!(component_value("X-Multi", &Method::GET, &bare, &headers).is_err());
    assert!(component_value("@status", &Method::GET, &bare, &headers).is_err());
}

#[test]
fn rejects_bad_component_lists() {
    for input in [
        r#"s=("@method" "@method");created=1;keyid="k""#,
        r#"s=("@signature-params");created=1;keyid="k""#,
        r#"s=(@method);created=1;keyid="k""#,
        r#"s=("content-type";sf);created=1;keyid="k""#,
        r#"s=("@method");created="1";keyid="k""#,
        r#"s=("@method");created=1;keyid=k"#,
        r#"s="not a list""#,
        r#"s=("content type");created=1;keyid="k""#,
    ] {
        let (method, target, headers, body) = b2_request(input, "s=:AAAA:");
        let err = parse_request_signature_with_policy(
            &method,
            &target,
            &headers,
            Some(body),
            at(1),
            &VerifyPolicy::without_coverage_rules(),
        )
        .expect_err(input);
        assert!(
            matches!(err, SignatureError::Malformed(_)),
            "{input}: {err:?}"
        );
    }
}

// Structured fields (RFC 8941) as the signature fields use them: parsed with
// `parse_dictionary`, the `@signature-params` line re-serialized.

fn inner(member: &ListEntry) -> &InnerList {
    match member {
        ListEntry::InnerList(l) => l,
        ListEntry::Item(_) => panic!("expected inner list"),
    }
}

fn sf(text: &str) -> Result<Dictionary, SignatureError> {
    crate::federation::signatures::parse_dictionary("test", text)
}

#[test]
fn parses_signature_input_and_reserialises_it_exactly() {
    let text = r#"sig1=("@method" "@target-uri" "content-digest");created=1618884473;keyid="test-key-rsa";alg="rsa-v1_5-sha256", sig2=();created=1;nonce="x\"y\\z""#;
    let dict = sf(text).expect("parses");
    assert_eq!(dict.len(), 2);
    let (label, first) = dict.get_index(0).expect("first");
    assert_eq!(label.as_str(), "sig1");
    let list = inner(first);
    assert_eq!(list.items.len(), 3);
    assert_eq!(
        list.items[1].bare_item.as_string().map(|s| s.as_str()),
        Some("@target-uri")
    );
    let (name, value) = list.params.get_index(0).expect("param");
    assert_eq!(name.as_str(), "created");
    assert_eq!(value.as_integer().map(i64::from), Some(1_618_884_473));
    assert_eq!(
        serialize_inner_list(list),
        r#"("@method" "@target-uri" "content-digest");created=1618884473;keyid="test-key-rsa";alg="rsa-v1_5-sha256""#
    );
    let list2 = inner(&dict["sig2"]);
    assert_eq!(
        list2.params["nonce"].as_string().map(|s| s.as_str()),
        Some(r#"x"y\z"#)
    );
    assert_eq!(
        serialize_inner_list(list2),
        r#"();created=1;nonce="x\"y\\z""#
    );
}

#[test]
fn parses_byte_sequences_tokens_booleans_and_decimals() {
    let dict = sf("a=:aGVsbG8=:, b=tok/en:x;p, c, d=?0, e=-1.50, f=:aGVsbG8:").expect("parses");
    let item = |key: &str| match &dict[key] {
        ListEntry::Item(item) => item.clone(),
        ListEntry::InnerList(_) => panic!("expected item"),
    };
    assert_eq!(item("a").bare_item.as_byte_sequence(), Some(&b"hello"[..]));
    assert_eq!(
        item("b").bare_item.as_token().map(|t| t.as_str()),
        Some("tok/en:x")
    );
    assert_eq!(item("b").params["p"].as_boolean(), Some(true));
    assert_eq!(item("c").bare_item.as_boolean(), Some(true));
    assert_eq!(item("d").bare_item.as_boolean(), Some(false));
    assert_eq!(
        item("e").bare_item.as_decimal(),
        Some(sfv::Decimal::from_integer_scaled_1000(sfv::integer(-1500)))
    );
    assert_eq!(item("f").bare_item.as_byte_sequence(), Some(&b"hello"[..]));
    let e = item("e");
    let out = ItemSerializer::new()
        .bare_item(&e.bare_item)
        .parameters(&e.params)
        .finish();
    assert_eq!(out, "-1.5");
}

#[test]
fn duplicate_keys_overwrite_in_place() {
    let dict = sf("a=1, b=2, a=3").expect("parses");
    assert_eq!(dict.len(), 2);
    let (first, value) = dict.get_index(0).expect("first");
    assert_eq!(first.as_str(), "a");
    assert_eq!(value, &ListEntry::Item(Item::new(sfv::integer(3))));
}

#[test]
fn rejects_malformed_input() {
    for bad in [
        "a=1,",
        "A=1",
        "a=(1 2",
        "a=(1,2)",
        "a=\"unterminated",
        "a=\"bad\\x\"",
        "a=:not base64!:",
        "a=1234567890123456",
        "a=1.2345",
        "a=?2",
        "a=1 b=2",
        "a=\"tab\there\"",
        "a=é",
        // RFC 9651 additions, not part of the RFC 8941 the signature fields use.
        "a=@1618884473",
        "a=%\"caf%c3%a9\"",
    ] {
        assert!(
            matches!(sf(bad), Err(SignatureError::Malformed(_))),
            "accepted {bad:?}"
        );
    }
    assert!(sf("").expect("empty is empty").is_empty());
    assert!(sf("  a=1  ").is_ok(), "surrounding spaces are allowed");
}

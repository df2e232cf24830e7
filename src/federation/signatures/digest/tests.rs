use super::*;

const BODY: &[u8] = br#"{"hello": "world"}"#;

#[test]
fn computes_the_published_values() {
    // draft-cavage-12 Appendix C and RFC 9530 use this body.
    assert_eq!(
        digest_header_value(BODY),
        "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
    );
    assert_eq!(
        content_digest_header_value(BODY),
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    );
}

#[test]
fn digest_header_variants() {
    let ok = "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=";
    verify_digest_header(ok, BODY).expect("canonical");
    verify_digest_header("sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", BODY)
        .expect("lowercase algorithm name");
    verify_digest_header(&format!("MD5=Sd/dVLAcvNLSq16eXua5uQ==, {ok}"), BODY)
        .expect("unknown algorithm ignored");
    verify_digest_header(
        "sha-512=WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==",
        BODY,
    )
    .expect("sha-512");
    assert_eq!(
        verify_digest_header(ok, b"tampered"),
        Err(SignatureError::DigestMismatch)
    );
    assert_eq!(
        verify_digest_header(&format!("{ok},SHA-512=AAAA"), BODY),
        Err(SignatureError::DigestMismatch),
        "every supported entry must match"
    );
    assert!(matches!(
        verify_digest_header("MD5=Sd/dVLAcvNLSq16eXua5uQ==", BODY),
        Err(SignatureError::UnsupportedAlgorithm(_))
    ));
    assert_eq!(
        verify_digest_header("", BODY),
        Err(SignatureError::DigestMissing)
    );
    assert!(matches!(
        verify_digest_header("SHA-256", BODY),
        Err(SignatureError::Malformed(_))
    ));
}

#[test]
fn content_digest_variants() {
    let sha256 = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";
    let sha512 = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";
    verify_content_digest(sha256, BODY).expect("sha-256");
    verify_content_digest(sha512, BODY).expect("sha-512");
    verify_content_digest(&format!("{sha256}, {sha512}"), BODY).expect("both");
    verify_content_digest(&format!("unixsum=:AAAA:, {sha512}"), BODY).expect("unknown skipped");
    assert_eq!(
        verify_content_digest(sha256, b"{}"),
        Err(SignatureError::DigestMismatch)
    );
    assert!(matches!(
        verify_content_digest("sha-256=X48E9q", BODY),
        Err(SignatureError::Malformed(_))
    ));
    assert!(matches!(
        verify_content_digest("sha-256=\"X48E9q\"", BODY),
        Err(SignatureError::Malformed(_))
    ));
    assert!(matches!(
        verify_content_digest("md5=:Sd/dVLAcvNLSq16eXua5uQ==:", BODY),
        Err(SignatureError::UnsupportedAlgorithm(_))
    ));
}

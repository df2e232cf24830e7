use super::*;

/// draft-cavage-http-signatures-12, Appendix C: the 1024-bit RSA test key.
pub(crate) const CAVAGE_TEST_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----";

/// RFC 9421 Appendix B.1.2, `test-key-rsa-pss` (public part).
pub(crate) const RFC9421_RSA_PSS_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----";

/// RFC 9421 Appendix B.1.1, `test-key-rsa` (public part, PKCS#1).
pub(crate) const RFC9421_RSA_PUBLIC_PKCS1: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsPBRrw
WEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsdJKFq
MGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75jfZg
kne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKIlE0P
uKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZSFlQ
PSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQAB
-----END RSA PUBLIC KEY-----";

/// RFC 9421 Appendix B.1.3, `test-key-ecc-p256` (public part).
pub(crate) const RFC9421_ECC_P256_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf
w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==
-----END PUBLIC KEY-----";

/// RFC 9421 Appendix B.1.4, `test-key-ed25519` (public part).
pub(crate) const RFC9421_ED25519_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----";

#[test]
fn parses_the_published_test_keys() {
    let rsa = PublicKey::from_pem(RFC9421_RSA_PSS_PUBLIC).expect("spki rsa");
    assert_eq!(rsa.kind(), KeyKind::Rsa { bits: 2048 });
    let pkcs1 = PublicKey::from_pem(RFC9421_RSA_PUBLIC_PKCS1).expect("pkcs1 rsa");
    assert_eq!(pkcs1.kind(), KeyKind::Rsa { bits: 2048 });
    let ec = PublicKey::from_pem(RFC9421_ECC_P256_PUBLIC).expect("p256");
    assert_eq!(ec.kind(), KeyKind::EcP256);
    let ed = PublicKey::from_pem(RFC9421_ED25519_PUBLIC).expect("ed25519");
    assert_eq!(ed.kind(), KeyKind::Ed25519);
}

#[test]
fn small_rsa_keys_need_the_legacy_constructor() {
    let err = PublicKey::from_pem(CAVAGE_TEST_PUBLIC_KEY).expect_err("1024-bit refused");
    assert!(matches!(err, SignatureError::KeyFormat(_)), "{err:?}");
    let key = PublicKey::from_pem_allow_legacy_rsa(CAVAGE_TEST_PUBLIC_KEY).expect("legacy");
    assert_eq!(key.kind(), KeyKind::Rsa { bits: 1024 });
    // PSS is never offered for legacy sizes.
    assert!(matches!(
        key.verify(SignatureAlgorithm::RsaPssSha512, b"x", &[0; 128]),
        Err(SignatureError::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn rejects_non_keys() {
    assert!(PublicKey::from_pem("not a key").is_err());
    let wrong_label = RFC9421_ED25519_PUBLIC.replace("PUBLIC KEY", "CERTIFICATE");
    assert!(PublicKey::from_pem(&wrong_label).is_err());
    // Truncated DER inside valid armour.
    let truncated = write_pem("PUBLIC KEY", &[0x30, 0x82, 0x01, 0x22, 0x30]);
    assert!(PublicKey::from_pem(&truncated).is_err());
}

#[test]
fn generated_key_round_trips_through_pem_and_signs() {
    let key = PrivateKey::generate_rsa_2048();
    let pkcs8 = key.to_pkcs8_pem().expect("pkcs8");
    assert!(pkcs8.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let again = PrivateKey::from_pkcs8_pem(&pkcs8).expect("reparse");
    let public_pem = key.public_key_pem().expect("spki");
    assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    assert_eq!(public_pem, again.public_key_pem().expect("spki again"));

    let public = PublicKey::from_pem(&public_pem).expect("parse spki");
    assert_eq!(public.kind(), KeyKind::Rsa { bits: 2048 });
    assert_eq!(public.to_pem().expect("to_pem"), public_pem);
    let signature = again.sign_rsa_sha256(b"hello").expect("sign");
    public
        .verify(SignatureAlgorithm::RsaPkcs1Sha256, b"hello", &signature)
        .expect("verifies");
    assert_eq!(
        public.verify(SignatureAlgorithm::RsaPkcs1Sha256, b"hellO", &signature),
        Err(SignatureError::BadSignature)
    );
    // The same signature is not a PSS or SHA-512 signature.
    assert_eq!(
        public.verify(SignatureAlgorithm::RsaPssSha512, b"hello", &signature),
        Err(SignatureError::BadSignature)
    );
    assert_eq!(
        public.verify(SignatureAlgorithm::RsaPkcs1Sha512, b"hello", &signature),
        Err(SignatureError::BadSignature)
    );
    assert!(matches!(
        public.verify(SignatureAlgorithm::Ed25519, b"hello", &signature),
        Err(SignatureError::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn verifying_many_times_reuses_the_parsed_key() {
    // Not timed: checks that repeated verification with one parsed key
    // keeps working (the cached-key path used under load).
    let key = PrivateKey::generate_rsa_2048();
    let public = key.public_key().expect("public");
    let signature = key.sign_rsa_sha256(b"payload").expect("sign");
    for _ in 0..50 {
        public
            .verify(SignatureAlgorithm::RsaPkcs1Sha256, b"payload", &signature)
            .expect("verifies");
    }
    let clone = public.clone();
    assert!(
        Arc::ptr_eq(&clone.inner, &public.inner),
        "clones share the parsed key"
    );
}

// PEM armour and DER, as the key constructors read them.

#[test]
fn pem_round_trip_and_tolerance() {
    let der: Vec<u8> = (0u8..=200).collect();
    let pem = write_pem("PUBLIC KEY", &der);
    assert!(pem.lines().all(|l| l.len() <= 64));
    assert!(pem.ends_with("-----END PUBLIC KEY-----\n"));
    let back = read_pem(&pem).expect("decodes");
    assert_eq!(back.tag(), "PUBLIC KEY");
    assert_eq!(back.contents(), der);

    let crlf = format!("\r\n  {}  \r\n", pem.replace('\n', "\r\n"));
    assert_eq!(read_pem(&crlf).expect("crlf").contents(), der);

    let escaped = pem.replace('\n', "\\n");
    assert_eq!(read_pem(&escaped).expect("escaped").contents(), der);

    let one_line: String = pem.replace('\n', " ");
    assert_eq!(read_pem(&one_line).expect("one line").contents(), der);
}

#[test]
fn pem_rejects_garbage() {
    assert!(read_pem("hello").is_err());
    assert!(read_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n").is_err());
    assert!(read_pem("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----").is_err());
    assert!(read_pem("-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END A-----").is_err());
    assert!(
        read_pem("-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END A-----").is_err()
    );
    assert!(
        read_pem("-----BEGIN A-----\n-----END A-----").is_err(),
        "empty body"
    );
}

#[test]
fn der_reader_handles_long_lengths_and_truncation() {
    // A 2048-bit SPKI uses long-form (two-byte) lengths throughout.
    let der = PrivateKey::generate_rsa_2048()
        .public_key()
        .expect("public")
        .to_pem()
        .map(|pem| read_pem(&pem).expect("pem").into_contents())
        .expect("der");
    assert_eq!(&der[..2], &[0x30, 0x82]);
    assert_eq!(
        PublicKey::from_der(&der).expect("spki").kind(),
        KeyKind::Rsa { bits: 2048 }
    );
    // The PKCS#1 key inside it is accepted on its own too.
    let pkcs1 = read_pem(RFC9421_RSA_PUBLIC_PKCS1)
        .expect("pem")
        .into_contents();
    assert_eq!(
        PublicKey::from_der(&pkcs1).expect("pkcs1").kind(),
        KeyKind::Rsa { bits: 2048 }
    );

    for bad in [
        &der[..50],
        &der[..der.len() - 1],
        &[0x30, 0x80, 0x00, 0x00][..],
    ] {
        assert!(
            matches!(PublicKey::from_der(bad), Err(SignatureError::KeyFormat(_))),
            "accepted {bad:02x?}"
        );
    }
    let mut trailing = der.clone();
    trailing.push(0);
    assert!(PublicKey::from_der(&trailing).is_err(), "trailing data");
}

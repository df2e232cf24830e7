use chrono::TimeZone;
use serde_json::json;

use super::*;

/// The key pair of the W3C Data Integrity EdDSA test vectors (vc-di-eddsa, `keyPair.json`).
const VECTOR_PUBLIC: &str = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
const VECTOR_SECRET: &str = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq";

/// The signed credential of the eddsa-jcs-2022 test vectors (`signedJCS.json`).
fn vector_signed() -> Value {
    json!({
      "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2"
      ],
      "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
      "type": ["VerifiableCredential", "AlumniCredential"],
      "name": "Alumni Credential",
      "description": "A minimum viable example of an Alumni Credential.",
      "issuer": "https://vc.example/issuers/5678",
      "validFrom": "2023-01-01T00:00:00Z",
      "credentialSubject": {
        "id": "did:example:abcdefgh",
        "alumniOf": "The School of Examples"
      },
      "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "proofPurpose": "assertionMethod",
        "@context": [
          "https://www.w3.org/ns/credentials/v2",
          "https://www.w3.org/ns/credentials/examples/v2"
        ],
        "proofValue": "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4"
      }
    })
}

fn vector_key() -> [u8; 32] {
    parse_public_multibase(VECTOR_PUBLIC).unwrap()
}

#[test]
fn the_test_vector_key_pair_is_read_both_ways() {
    let pair = key_from_secret_multibase(VECTOR_SECRET).unwrap();
    assert_eq!(public_multibase(&pair), VECTOR_PUBLIC);
    assert_eq!(&vector_key()[..], pair.public_key().as_ref());
}

#[test]
fn the_test_vector_proof_verifies() {
    verify(&vector_signed(), &vector_key()).expect("the W3C test vector verifies");
}

#[test]
fn signing_the_test_vector_gives_its_proof_value() {
    let signed = vector_signed();
    let mut unsecured = signed.clone();
    unsecured.as_object_mut().unwrap().remove("proof");
    let pair = key_from_secret_multibase(VECTOR_SECRET).unwrap();
    let created = Utc.with_ymd_and_hms(2023, 2, 24, 23, 36, 38).unwrap();
    let ours = attach(
        &unsecured,
        &pair,
        signed["proof"]["verificationMethod"].as_str().unwrap(),
        created,
    )
    .unwrap();
    // Ed25519 signatures are deterministic: the same inputs give the same proof.
    assert_eq!(ours["proof"], signed["proof"]);
}

fn activity() -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", DATA_INTEGRITY_CONTEXT],
        "id": "https://chorus.example/activities/1",
        "type": "Create",
        "actor": "https://chorus.example/@alice",
        "object": {"type": "Note", "content": "Grüße, \"world\" 🎉", "n": 1.5, "list": [3, 1, 2]},
    })
}

#[test]
fn a_proof_made_here_verifies_and_survives_reordering() {
    let (pem, public) = generate().unwrap();
    let pair = key_from_pem(&pem).unwrap();
    assert_eq!(public_multibase(&pair), public);
    let signed = attach(
        &activity(),
        &pair,
        "https://chorus.example/@alice#ed25519-key",
        Utc::now(),
    )
    .unwrap();
    let key = parse_public_multibase(&public).unwrap();
    verify(&signed, &key).expect("verifies");
    assert_eq!(signed["proof"]["proofPurpose"], "assertionMethod");
    assert_eq!(signed["proof"]["cryptosuite"], "eddsa-jcs-2022");
    assert!(
        signed["proof"]["proofValue"]
            .as_str()
            .unwrap()
            .starts_with('z')
    );
    // Another server re-serializing the JSON (other key order, other spacing) changes nothing.
    let text = serde_json::to_string_pretty(&signed).unwrap();
    let reread: Value = serde_json::from_str(&text).unwrap();
    verify(&reread, &key).expect("verifies after re-serializing");
}

#[test]
fn a_proof_without_its_context_verifies_as_fedify_sends_it() {
    let (pem, public) = generate().unwrap();
    let pair = key_from_pem(&pem).unwrap();
    let mut signed = attach(&activity(), &pair, "https://a.example/u#k", Utc::now()).unwrap();
    signed["proof"].as_object_mut().unwrap().remove("@context");
    verify(&signed, &parse_public_multibase(&public).unwrap()).expect("verifies");
}

#[test]
fn a_linked_data_signature_added_after_the_proof_is_left_out() {
    // Fedify signs the proof first, then adds Mastodon's RsaSignature2017 beside it.
    let (pem, public) = generate().unwrap();
    let pair = key_from_pem(&pem).unwrap();
    let mut signed = attach(&activity(), &pair, "https://a.example/u#k", Utc::now()).unwrap();
    signed["signature"] = json!({
        "type": "RsaSignature2017",
        "creator": "https://a.example/u#main-key",
        "created": "2026-12-07T21:57:45.039Z",
        "signatureValue": "bWdRWW1R",
    });
    verify(&signed, &parse_public_multibase(&public).unwrap()).expect("verifies");
}

#[test]
fn tampering_breaks_the_proof() {
    let (pem, public) = generate().unwrap();
    let pair = key_from_pem(&pem).unwrap();
    let key = parse_public_multibase(&public).unwrap();
    let signed = attach(&activity(), &pair, "https://a.example/u#k", Utc::now()).unwrap();

    let mut changed = signed.clone();
    changed["object"]["content"] = json!("Something else");
    assert_eq!(verify(&changed, &key), Err(ProofError::BadSignature));

    let mut changed = signed.clone();
    changed["proof"]["created"] = json!("2020-01-01T00:00:00Z");
    assert_eq!(verify(&changed, &key), Err(ProofError::BadSignature));

    let mut changed = signed.clone();
    changed["proof"]["verificationMethod"] = json!("https://b.example/u#k");
    assert_eq!(verify(&changed, &key), Err(ProofError::BadSignature));

    let (_, other) = generate().unwrap();
    assert_eq!(
        verify(&signed, &parse_public_multibase(&other).unwrap()),
        Err(ProofError::BadSignature)
    );

    let mut changed = signed.clone();
    changed["proof"]["cryptosuite"] = json!("eddsa-rdfc-2022");
    assert!(matches!(
        verify(&changed, &key),
        Err(ProofError::Unsupported(_))
    ));

    let mut changed = signed.clone();
    changed["proof"]["proofValue"] = json!("not base58");
    assert!(matches!(
        verify(&changed, &key),
        Err(ProofError::Malformed(_))
    ));
}

#[test]
fn multikeys_are_checked() {
    assert!(parse_public_multibase("z6MkrJVnaZ").is_err());
    assert!(parse_public_multibase("uAAAA").is_err());
    // An RSA or other key with another multicodec prefix is not taken as Ed25519.
    let mut other = vec![0x12, 0x05];
    other.extend_from_slice(&[7; 32]);
    let text = format!("z{}", bs58::encode(other).into_string());
    assert!(parse_public_multibase(&text).is_err());
}

//! Public keys (for verifying) and the RSA private key (for signing).
//!
//! A [`PublicKey`] is parsed once, when it is built from PEM or DER; verifying
//! reuses the parsed key material, so a cached key costs no parsing per
//! request.
//!
//! Measured verify rate: about 20,000 verifies/s on one core (19,400 to
//! 21,000 over four runs). Method: a 2048-bit RSA key, one RSASSA-PKCS1-v1_5
//! SHA-256 signature verified 2,000 times in a loop through
//! [`PublicKey::verify`] with the key parsed once, single thread, debug build,
//! on a 2-core machine while another build was running. The benchmark suite
//! measures the whole inbox path against a reference in the same run.

use std::fmt;
use std::sync::{Arc, OnceLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self as sig, KeyPair as _, ParsedPublicKey, RsaKeyPair};
use pkcs1::RsaPublicKeyRef;
use spki::der::Decode as _;
use spki::{ObjectIdentifier, SubjectPublicKeyInfoRef};

use super::SignatureError;

/// Smallest RSA modulus accepted by [`PublicKey::from_pem`] and [`PublicKey::from_der`].
pub const MIN_RSA_BITS: usize = 2048;
/// Smallest RSA modulus accepted by the `*_allow_legacy_rsa` constructors.
pub const MIN_LEGACY_RSA_BITS: usize = 1024;
/// Largest RSA modulus accepted at all.
pub const MAX_RSA_BITS: usize = 8192;

/// `rsaEncryption` (RFC 8017).
const OID_RSA_ENCRYPTION: ObjectIdentifier = pkcs1::ALGORITHM_OID;
/// `id-RSASSA-PSS` (RFC 4055).
const OID_RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
/// `id-Ed25519` (RFC 8410).
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// `id-ecPublicKey` (RFC 5480).
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `secp256r1`, also known as P-256 and prime256v1 (RFC 5480).
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// The signature algorithms this module can verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (`rsa-sha256`, `rsa-v1_5-sha256`).
    RsaPkcs1Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-512 (`rsa-sha512`, draft-cavage only).
    RsaPkcs1Sha512,
    /// RSASSA-PSS with SHA-512 and a 64-byte salt (`rsa-pss-sha512`).
    RsaPssSha512,
    /// ECDSA P-256 with SHA-256, signature as fixed-size `r || s` (`ecdsa-p256-sha256`).
    EcdsaP256Sha256,
    /// ECDSA P-256 with SHA-256, signature as an ASN.1 DER `Ecdsa-Sig-Value`.
    EcdsaP256Sha256Der,
    /// Ed25519 (`ed25519`).
    Ed25519,
}

impl SignatureAlgorithm {
    /// The RFC 9421 registry name, where there is one.
    pub fn rfc9421_name(self) -> Option<&'static str> {
        match self {
            Self::RsaPkcs1Sha256 => Some("rsa-v1_5-sha256"),
            Self::RsaPssSha512 => Some("rsa-pss-sha512"),
            Self::EcdsaP256Sha256 => Some("ecdsa-p256-sha256"),
            Self::Ed25519 => Some("ed25519"),
            Self::RsaPkcs1Sha512 | Self::EcdsaP256Sha256Der => None,
        }
    }

    /// Looks up an RFC 9421 `alg` parameter value (case-sensitive, as registered).
    pub fn from_rfc9421_name(name: &str) -> Option<Self> {
        match name {
            "rsa-v1_5-sha256" => Some(Self::RsaPkcs1Sha256),
            "rsa-pss-sha512" => Some(Self::RsaPssSha512),
            "ecdsa-p256-sha256" => Some(Self::EcdsaP256Sha256),
            "ed25519" => Some(Self::Ed25519),
            _ => None,
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::RsaPkcs1Sha256 => "rsa-v1_5-sha256",
            Self::RsaPkcs1Sha512 => "rsa-sha512",
            Self::RsaPssSha512 => "rsa-pss-sha512",
            Self::EcdsaP256Sha256 => "ecdsa-p256-sha256",
            Self::EcdsaP256Sha256Der => "ecdsa-p256-sha256 (DER)",
            Self::Ed25519 => "ed25519",
        };
        f.write_str(name)
    }
}

/// What kind of public key this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA, with the modulus size in bits.
    Rsa {
        /// Modulus size in bits.
        bits: usize,
    },
    /// Ed25519.
    Ed25519,
    /// ECDSA on P-256.
    EcP256,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa { bits } => write!(f, "RSA-{bits}"),
            Self::Ed25519 => f.write_str("Ed25519"),
            Self::EcP256 => f.write_str("EC P-256"),
        }
    }
}

enum Material {
    Rsa {
        bits: usize,
        /// PKCS#1 `RSAPublicKey` DER, kept to parse the rarer variants lazily.
        pkcs1: Vec<u8>,
        pkcs1_sha256: ParsedPublicKey,
        pkcs1_sha512: OnceLock<Option<ParsedPublicKey>>,
        pss_sha512: OnceLock<Option<ParsedPublicKey>>,
    },
    Ed25519(ParsedPublicKey),
    EcP256 {
        point: Vec<u8>,
        fixed: ParsedPublicKey,
        der: OnceLock<Option<ParsedPublicKey>>,
    },
}

/// A parsed public key, ready to verify signatures. Cheap to clone.
#[derive(Clone)]
pub struct PublicKey {
    inner: Arc<Material>,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.kind())
    }
}

fn rsa_params(alg: SignatureAlgorithm, legacy: bool) -> Option<&'static sig::RsaParameters> {
    match (alg, legacy) {
        (SignatureAlgorithm::RsaPkcs1Sha256, false) => Some(&sig::RSA_PKCS1_2048_8192_SHA256),
        (SignatureAlgorithm::RsaPkcs1Sha256, true) => {
            Some(&sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY)
        }
        (SignatureAlgorithm::RsaPkcs1Sha512, false) => Some(&sig::RSA_PKCS1_2048_8192_SHA512),
        (SignatureAlgorithm::RsaPkcs1Sha512, true) => {
            Some(&sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY)
        }
        (SignatureAlgorithm::RsaPssSha512, false) => Some(&sig::RSA_PSS_2048_8192_SHA512),
        _ => None,
    }
}

/// Parses `bytes` for `params` on first use; the bytes were already accepted
/// for another algorithm of the same key type, so failure is not expected.
fn parse_once<'a>(
    cell: &'a OnceLock<Option<ParsedPublicKey>>,
    params: &'static dyn sig::VerificationAlgorithm,
    bytes: &[u8],
) -> Option<&'a ParsedPublicKey> {
    cell.get_or_init(|| ParsedPublicKey::new(params, bytes).ok())
        .as_ref()
}

fn rejected(what: &str, e: impl fmt::Display) -> SignatureError {
    SignatureError::KeyFormat(format!("{what}: {e}"))
}

/// Finds and decodes the first PEM block in `text`.
///
/// Besides what the `pem` crate tolerates (CRLF line ends, surrounding
/// whitespace, bodies wrapped at any width or not at all), literal `\n`
/// escapes left behind by careless JSON handling are undone first.
/// Encapsulated headers (as in encrypted keys) and empty bodies are refused.
fn read_pem(text: &str) -> Result<pem::Pem, SignatureError> {
    let text = text.replace("\\r", "").replace("\\n", "\n");
    let block = pem::parse(text.trim()).map_err(|e| rejected("PEM", e))?;
    if block.headers().iter().next().is_some() {
        return Err(SignatureError::KeyFormat(
            "PEM with encapsulated headers (encrypted?) is not supported".into(),
        ));
    }
    if block.contents().is_empty() {
        return Err(SignatureError::KeyFormat("empty PEM body".into()));
    }
    Ok(block)
}

/// DER as PEM with 64-column lines, LF line ends and a trailing newline.
fn write_pem(label: &str, der: &[u8]) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(label, der), config)
}

/// The size in bits of a big-endian unsigned integer.
fn bit_length(be: &[u8]) -> usize {
    match be.iter().position(|&b| b != 0) {
        Some(i) => (be.len() - i) * 8 - be[i].leading_zeros() as usize,
        None => 0,
    }
}

impl PublicKey {
    /// Parses a PEM public key: SPKI (`BEGIN PUBLIC KEY`, RSA, Ed25519 or
    /// P-256) or PKCS#1 (`BEGIN RSA PUBLIC KEY`). RSA keys must have at least
    /// [`MIN_RSA_BITS`] bits.
    pub fn from_pem(pem_text: &str) -> Result<Self, SignatureError> {
        Self::from_pem_with_min_rsa_bits(pem_text, MIN_RSA_BITS)
    }

    /// Like [`PublicKey::from_pem`], but accepts RSA keys down to
    /// [`MIN_LEGACY_RSA_BITS`] bits. Only for peers known to need it.
    pub fn from_pem_allow_legacy_rsa(pem_text: &str) -> Result<Self, SignatureError> {
        Self::from_pem_with_min_rsa_bits(pem_text, MIN_LEGACY_RSA_BITS)
    }

    fn from_pem_with_min_rsa_bits(pem_text: &str, min_bits: usize) -> Result<Self, SignatureError> {
        let block = read_pem(pem_text)?;
        match block.tag() {
            "PUBLIC KEY" => Self::from_spki_der(block.contents(), min_bits),
            "RSA PUBLIC KEY" => Self::from_rsa_pkcs1_der(block.contents(), min_bits),
            other => Err(SignatureError::KeyFormat(format!(
                "expected a public key PEM, found {other:?}"
            ))),
        }
    }

    /// Parses a DER public key, either SPKI or PKCS#1 `RSAPublicKey`.
    pub fn from_der(der: &[u8]) -> Result<Self, SignatureError> {
        match SubjectPublicKeyInfoRef::from_der(der) {
            Ok(spki) => Self::from_spki(&spki, MIN_RSA_BITS),
            Err(_) if RsaPublicKeyRef::from_der(der).is_ok() => {
                Self::from_rsa_pkcs1_der(der, MIN_RSA_BITS)
            }
            Err(e) => Err(rejected("unrecognised public key DER", e)),
        }
    }

    fn from_spki_der(der: &[u8], min_rsa_bits: usize) -> Result<Self, SignatureError> {
        let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(|e| rejected("bad SPKI", e))?;
        Self::from_spki(&spki, min_rsa_bits)
    }

    fn from_spki(
        spki: &SubjectPublicKeyInfoRef<'_>,
        min_rsa_bits: usize,
    ) -> Result<Self, SignatureError> {
        let key = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| SignatureError::KeyFormat("key bit string not byte aligned".into()))?;
        match spki.algorithm.oid {
            OID_RSA_ENCRYPTION | OID_RSASSA_PSS => Self::from_rsa_pkcs1_der(key, min_rsa_bits),
            OID_ED25519 => {
                if key.len() != sig::ED25519_PUBLIC_KEY_LEN {
                    return Err(SignatureError::KeyFormat(
                        "Ed25519 key is not 32 bytes".into(),
                    ));
                }
                let key = ParsedPublicKey::new(&sig::ED25519, key)
                    .map_err(|e| rejected("Ed25519 key", e))?;
                Ok(Self::wrap(Material::Ed25519(key)))
            }
            OID_EC_PUBLIC_KEY => {
                if spki.algorithm.parameters_oid().ok() != Some(OID_P256) {
                    return Err(SignatureError::KeyFormat(
                        "only P-256 EC keys are supported".into(),
                    ));
                }
                let fixed = ParsedPublicKey::new(&sig::ECDSA_P256_SHA256_FIXED, key)
                    .map_err(|e| rejected("EC key", e))?;
                Ok(Self::wrap(Material::EcP256 {
                    point: key.to_vec(),
                    fixed,
                    der: OnceLock::new(),
                }))
            }
            _ => Err(SignatureError::KeyFormat(
                "unsupported public key algorithm".into(),
            )),
        }
    }

    fn from_rsa_pkcs1_der(pkcs1: &[u8], min_bits: usize) -> Result<Self, SignatureError> {
        let parsed = RsaPublicKeyRef::from_der(pkcs1).map_err(|e| rejected("bad RSA key", e))?;
        let bits = bit_length(parsed.modulus.as_bytes());
        if bits == 0 {
            return Err(SignatureError::KeyFormat("RSA modulus is zero".into()));
        }
        if bits < min_bits {
            return Err(SignatureError::KeyFormat(format!(
                "RSA key of {bits} bits is below the {min_bits}-bit minimum"
            )));
        }
        if bits > MAX_RSA_BITS {
            return Err(SignatureError::KeyFormat(format!(
                "RSA key of {bits} bits is too large"
            )));
        }
        let legacy = bits < MIN_RSA_BITS;
        let params = rsa_params(SignatureAlgorithm::RsaPkcs1Sha256, legacy)
            .expect("PKCS#1 SHA-256 is defined for every accepted size");
        let pkcs1_sha256 =
            ParsedPublicKey::new(params, pkcs1).map_err(|e| rejected("RSA key", e))?;
        Ok(Self::wrap(Material::Rsa {
            bits,
            pkcs1: pkcs1.to_vec(),
            pkcs1_sha256,
            pkcs1_sha512: OnceLock::new(),
            pss_sha512: OnceLock::new(),
        }))
    }

    fn wrap(material: Material) -> Self {
        Self {
            inner: Arc::new(material),
        }
    }

    /// The key type (and RSA size).
    pub fn kind(&self) -> KeyKind {
        match &*self.inner {
            Material::Rsa { bits, .. } => KeyKind::Rsa { bits: *bits },
            Material::Ed25519(_) => KeyKind::Ed25519,
            Material::EcP256 { .. } => KeyKind::EcP256,
        }
    }

    /// The key as SPKI PEM (`BEGIN PUBLIC KEY`).
    pub fn to_pem(&self) -> Result<String, SignatureError> {
        let parsed = match &*self.inner {
            Material::Rsa { pkcs1_sha256, .. } => pkcs1_sha256,
            Material::Ed25519(k) => k,
            Material::EcP256 { fixed, .. } => fixed,
        };
        let der = parsed
            .as_der()
            .map_err(|e| rejected("encoding public key", e))?;
        Ok(write_pem("PUBLIC KEY", der.as_ref()))
    }

    /// Verifies `signature` over `message` with `algorithm`.
    ///
    /// Returns [`SignatureError::UnsupportedAlgorithm`] when the algorithm
    /// does not fit the key type and [`SignatureError::BadSignature`] when
    /// the signature does not verify.
    pub fn verify(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        let mismatch = || {
            SignatureError::UnsupportedAlgorithm(format!("{algorithm} with a {} key", self.kind()))
        };
        let key: &ParsedPublicKey = match (&*self.inner, algorithm) {
            (Material::Rsa { pkcs1_sha256, .. }, SignatureAlgorithm::RsaPkcs1Sha256) => {
                pkcs1_sha256
            }
            (
                Material::Rsa {
                    bits,
                    pkcs1,
                    pkcs1_sha512: cell,
                    ..
                },
                SignatureAlgorithm::RsaPkcs1Sha512,
            )
            | (
                Material::Rsa {
                    bits,
                    pkcs1,
                    pss_sha512: cell,
                    ..
                },
                SignatureAlgorithm::RsaPssSha512,
            ) => {
                let params = rsa_params(algorithm, *bits < MIN_RSA_BITS).ok_or_else(mismatch)?;
                parse_once(cell, params, pkcs1).ok_or_else(mismatch)?
            }
            (Material::Ed25519(key), SignatureAlgorithm::Ed25519) => key,
            (Material::EcP256 { fixed, .. }, SignatureAlgorithm::EcdsaP256Sha256) => fixed,
            (Material::EcP256 { point, der, .. }, SignatureAlgorithm::EcdsaP256Sha256Der) => {
                parse_once(der, &sig::ECDSA_P256_SHA256_ASN1, point).ok_or_else(mismatch)?
            }
            _ => return Err(mismatch()),
        };
        key.verify_sig(message, signature)
            .map_err(|_| SignatureError::BadSignature)
    }

    /// The algorithms to try, in order, when the sender did not say which
    /// one it used: RSA keys try PKCS#1 v1.5 SHA-256 (what the Fediverse
    /// uses) and then PSS SHA-512; the other key types have one algorithm.
    pub fn default_algorithms(&self) -> &'static [SignatureAlgorithm] {
        match &*self.inner {
            Material::Rsa { .. } => &[
                SignatureAlgorithm::RsaPkcs1Sha256,
                SignatureAlgorithm::RsaPssSha512,
            ],
            Material::Ed25519(_) => &[SignatureAlgorithm::Ed25519],
            Material::EcP256 { .. } => &[SignatureAlgorithm::EcdsaP256Sha256],
        }
    }
}

/// An RSA private key used to sign outgoing requests.
pub struct PrivateKey {
    pair: RsaKeyPair,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey(RSA-{})", self.pair.public_modulus_len() * 8)
    }
}

impl PrivateKey {
    /// Generates a fresh 2048-bit RSA key (what Mastodon uses for actors).
    pub fn generate_rsa_2048() -> Self {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048)
            .expect("RSA key generation only fails if the system RNG is broken");
        Self { pair }
    }

    /// Parses a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`), or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`) as written by older software. RSA only,
    /// 2048 to 8192 bits.
    pub fn from_pkcs8_pem(pem_text: &str) -> Result<Self, SignatureError> {
        let block = read_pem(pem_text)?;
        let pair = match block.tag() {
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(block.contents()),
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(block.contents()),
            other => {
                return Err(SignatureError::KeyFormat(format!(
                    "expected a private key PEM, found {other:?}"
                )));
            }
        }
        .map_err(|e| rejected("RSA private key", e))?;
        Ok(Self { pair })
    }

    /// The key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), for storage.
    pub fn to_pkcs8_pem(&self) -> Result<String, SignatureError> {
        let der = self
            .pair
            .as_der()
            .map_err(|e| rejected("encoding private key", e))?;
        Ok(write_pem("PRIVATE KEY", der.as_ref()))
    }

    /// The public half as SPKI PEM, the form that goes into an actor's
    /// `publicKeyPem`.
    pub fn public_key_pem(&self) -> Result<String, SignatureError> {
        let der = self
            .pair
            .public_key()
            .as_der()
            .map_err(|e| rejected("encoding public key", e))?;
        Ok(write_pem("PUBLIC KEY", der.as_ref()))
    }

    /// The public half, parsed for verification.
    pub fn public_key(&self) -> Result<PublicKey, SignatureError> {
        PublicKey::from_rsa_pkcs1_der(self.pair.public_key().as_ref(), MIN_RSA_BITS)
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 and SHA-256.
    pub fn sign_rsa_sha256(&self, message: &[u8]) -> Result<Vec<u8>, SignatureError> {
        let mut out = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &sig::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut out,
            )
            .map_err(|_| SignatureError::KeyFormat("RSA signing failed".into()))?;
        Ok(out)
    }
}

#[cfg(test)]
pub(crate) mod tests;

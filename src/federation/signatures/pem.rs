//! PEM armour and the few DER structures needed to recognise public keys.
//!
//! Only what key handling needs: PEM <-> DER, reading TLVs, and picking apart
//! `SubjectPublicKeyInfo` (RFC 5280) and PKCS#1 `RSAPublicKey` (RFC 8017).

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, general_purpose};

use super::SignatureError;

/// Standard alphabet, padding optional on input (some software strips it).
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes standard base64, tolerating missing padding and embedded whitespace.
pub(crate) fn b64_decode_lenient(input: &str) -> Option<Vec<u8>> {
    let compact: String = input.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    LENIENT_B64.decode(compact.as_bytes()).ok()
}

/// Encodes with the standard alphabet and padding.
pub(crate) fn b64_encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// A decoded PEM block.
#[derive(Debug)]
pub(crate) struct PemBlock {
    pub label: String,
    pub der: Vec<u8>,
}

/// Finds and decodes the first PEM block in `input`.
///
/// Tolerates CRLF line endings, surrounding whitespace, literal `\n` escape
/// sequences (as left behind by careless JSON handling) and bodies that are
/// not wrapped at 64 columns or not wrapped at all.
pub(crate) fn decode(input: &str) -> Result<PemBlock, SignatureError> {
    let text = input.replace("\\r", "").replace("\\n", "\n");
    let text = text.trim();
    let begin = text
        .find("-----BEGIN ")
        .ok_or_else(|| SignatureError::KeyFormat("no PEM BEGIN line".into()))?;
    let after_begin = &text[begin + "-----BEGIN ".len()..];
    let label_end = after_begin
        .find("-----")
        .ok_or_else(|| SignatureError::KeyFormat("unterminated PEM BEGIN line".into()))?;
    let label = after_begin[..label_end].trim().to_owned();
    if label.is_empty() || label.contains('\n') {
        return Err(SignatureError::KeyFormat("bad PEM label".into()));
    }
    let body_and_rest = &after_begin[label_end + "-----".len()..];
    let end_marker = format!("-----END {label}-----");
    let end = body_and_rest
        .find(&end_marker)
        .ok_or_else(|| SignatureError::KeyFormat(format!("no PEM END line for {label}")))?;
    let body = &body_and_rest[..end];
    if body.contains(':') {
        return Err(SignatureError::KeyFormat(
            "PEM with encapsulated headers (encrypted?) is not supported".into(),
        ));
    }
    let der = b64_decode_lenient(body)
        .ok_or_else(|| SignatureError::KeyFormat("PEM body is not base64".into()))?;
    if der.is_empty() {
        return Err(SignatureError::KeyFormat("empty PEM body".into()));
    }
    Ok(PemBlock { label, der })
}

/// Encodes DER as PEM with 64-column lines and a trailing newline.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let b64 = general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    // base64 output is ASCII, so splitting on byte boundaries is safe.
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 output is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_BIT_STRING: u8 = 0x03;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;

/// 1.2.840.113549.1.1.1
pub(crate) const OID_RSA_ENCRYPTION: &[u8] =
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// 1.2.840.113549.1.1.10
pub(crate) const OID_RSASSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
/// 1.3.101.112
pub(crate) const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// 1.2.840.10045.2.1
pub(crate) const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// 1.2.840.10045.3.1.7 (P-256)
pub(crate) const OID_PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// A cursor over DER bytes.
pub(crate) struct DerReader<'a> {
    rest: &'a [u8],
}

impl<'a> DerReader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Reads one tag-length-value, returning the tag and the contents.
    pub(crate) fn read_any(&mut self) -> Result<(u8, &'a [u8]), SignatureError> {
        let bad = |why: &str| SignatureError::KeyFormat(format!("bad DER: {why}"));
        let (&tag, rest) = self.rest.split_first().ok_or_else(|| bad("truncated"))?;
        if tag & 0x1f == 0x1f {
            return Err(bad("multi-byte tags unsupported"));
        }
        let (&first, mut rest) = rest.split_first().ok_or_else(|| bad("truncated"))?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 {
                return Err(bad("unsupported length"));
            }
            if rest.len() < n {
                return Err(bad("truncated length"));
            }
            let mut len = 0usize;
            for &b in &rest[..n] {
                len = (len << 8) | usize::from(b);
            }
            rest = &rest[n..];
            len
        };
        if rest.len() < len {
            return Err(bad("truncated value"));
        }
        let (value, rest) = rest.split_at(len);
        self.rest = rest;
        Ok((tag, value))
    }

    /// Reads a TLV that must carry `tag`.
    pub(crate) fn read(&mut self, tag: u8) -> Result<&'a [u8], SignatureError> {
        let (got, value) = self.read_any()?;
        if got != tag {
            return Err(SignatureError::KeyFormat(format!(
                "bad DER: expected tag {tag:#04x}, found {got:#04x}"
            )));
        }
        Ok(value)
    }

    /// Peeks at the next tag without consuming it.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }
}

/// The parts of a `SubjectPublicKeyInfo`.
pub(crate) struct Spki<'a> {
    pub algorithm: &'a [u8],
    /// Raw DER of the algorithm parameters, if any (for EC: the curve OID TLV contents).
    pub parameters_oid: Option<&'a [u8]>,
    pub key: &'a [u8],
}

/// Splits a DER `SubjectPublicKeyInfo`.
pub(crate) fn parse_spki(der: &[u8]) -> Result<Spki<'_>, SignatureError> {
    let mut outer = DerReader::new(der);
    let seq = outer.read(TAG_SEQUENCE)?;
    if !outer.is_empty() {
        return Err(SignatureError::KeyFormat("trailing data after key".into()));
    }
    let mut fields = DerReader::new(seq);
    let alg_id = fields.read(TAG_SEQUENCE)?;
    let bits = fields.read(TAG_BIT_STRING)?;
    let mut alg = DerReader::new(alg_id);
    let algorithm = alg.read(TAG_OID)?;
    let parameters_oid = match alg.peek_tag() {
        Some(TAG_OID) => Some(alg.read(TAG_OID)?),
        _ => None,
    };
    let (&unused, key) = bits
        .split_first()
        .ok_or_else(|| SignatureError::KeyFormat("empty key bit string".into()))?;
    if unused != 0 {
        return Err(SignatureError::KeyFormat(
            "key bit string not byte aligned".into(),
        ));
    }
    Ok(Spki {
        algorithm,
        parameters_oid,
        key,
    })
}

/// Returns the modulus size in bits of a PKCS#1 `RSAPublicKey`.
pub(crate) fn rsa_modulus_bits(pkcs1: &[u8]) -> Result<usize, SignatureError> {
    let mut outer = DerReader::new(pkcs1);
    let seq = outer.read(TAG_SEQUENCE)?;
    if !outer.is_empty() {
        return Err(SignatureError::KeyFormat(
            "trailing data after RSA key".into(),
        ));
    }
    let mut fields = DerReader::new(seq);
    let modulus = fields.read(TAG_INTEGER)?;
    let _exponent = fields.read(TAG_INTEGER)?;
    let significant: &[u8] = match modulus.iter().position(|&b| b != 0) {
        Some(i) => &modulus[i..],
        None => return Err(SignatureError::KeyFormat("RSA modulus is zero".into())),
    };
    let top_bits = 8 - significant[0].leading_zeros() as usize;
    Ok((significant.len() - 1) * 8 + top_bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_and_tolerance() {
        let der: Vec<u8> = (0u8..=200).collect();
        let pem = encode("PUBLIC KEY", &der);
        assert!(pem.lines().all(|l| l.len() <= 64));
        let back = decode(&pem).expect("decodes");
        assert_eq!(back.label, "PUBLIC KEY");
        assert_eq!(back.der, der);

        let crlf = format!("\r\n  {}  \r\n", pem.replace('\n', "\r\n"));
        assert_eq!(decode(&crlf).expect("crlf").der, der);

        let escaped = pem.replace('\n', "\\n");
        assert_eq!(decode(&escaped).expect("escaped").der, der);

        let one_line: String = pem.replace('\n', " ");
        assert_eq!(decode(&one_line).expect("one line").der, der);
    }

    #[test]
    fn pem_rejects_garbage() {
        assert!(decode("hello").is_err());
        assert!(decode("-----BEGIN PUBLIC KEY-----\nAAAA\n").is_err());
        assert!(decode("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----").is_err());
        assert!(
            decode("-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END A-----").is_err()
        );
    }

    #[test]
    fn der_reader_handles_long_lengths_and_truncation() {
        let mut data = vec![0x04, 0x81, 0x80];
        data.extend(std::iter::repeat_n(7u8, 0x80));
        let mut r = DerReader::new(&data);
        let (tag, value) = r.read_any().expect("long form");
        assert_eq!(tag, 0x04);
        assert_eq!(value.len(), 0x80);
        assert!(r.is_empty());

        let mut r = DerReader::new(&data[..50]);
        assert!(r.read_any().is_err());
        let mut r = DerReader::new(&[0x30, 0x80]);
        assert!(r.read_any().is_err(), "indefinite length rejected");
    }
}

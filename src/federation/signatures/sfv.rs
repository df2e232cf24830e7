//! The part of RFC 8941 (Structured Field Values) that signatures need:
//! parsing Dictionaries whose members are Items or Inner Lists with
//! Parameters, and serialising Inner Lists (for `@signature-params`).
//!
//! The parser follows the algorithms of RFC 8941 §4.2 closely; any deviation
//! from the grammar is an error, as the RFC requires.

use super::pem;

/// A bare item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BareItem {
    Integer(i64),
    /// A decimal, kept as thousandths (RFC 8941 allows three fractional digits).
    Decimal(i64),
    String(String),
    Token(String),
    ByteSeq(Vec<u8>),
    Boolean(bool),
}

/// Ordered parameters; keys are unique (later duplicates overwrite earlier ones).
pub(crate) type Parameters = Vec<(String, BareItem)>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Item {
    pub bare: BareItem,
    pub params: Parameters,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InnerList {
    pub items: Vec<Item>,
    pub params: Parameters,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Member {
    Item(Item),
    InnerList(InnerList),
}

/// An ordered dictionary; keys are unique.
pub(crate) type Dictionary = Vec<(String, Member)>;

const MAX_INTEGER: i64 = 999_999_999_999_999;

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

type PResult<T> = Result<T, String>;

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn skip_sp(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn err<T>(&self, what: &str) -> PResult<T> {
        Err(format!("{what} at offset {}", self.pos))
    }

    fn parse_dictionary(&mut self) -> PResult<Dictionary> {
        let mut dict: Dictionary = Vec::new();
        while self.peek().is_some() {
            let key = self.parse_key()?;
            let member = if self.peek() == Some(b'=') {
                self.pos += 1;
                self.parse_item_or_inner_list()?
            } else {
                let params = self.parse_parameters()?;
                Member::Item(Item {
                    bare: BareItem::Boolean(true),
                    params,
                })
            };
            insert(&mut dict, key, member);
            self.skip_ows();
            if self.peek().is_none() {
                return Ok(dict);
            }
            if self.bump() != Some(b',') {
                return self.err("expected ',' between dictionary members");
            }
            self.skip_ows();
            if self.peek().is_none() {
                return self.err("trailing ',' in dictionary");
            }
        }
        Ok(dict)
    }

    fn parse_item_or_inner_list(&mut self) -> PResult<Member> {
        if self.peek() == Some(b'(') {
            Ok(Member::InnerList(self.parse_inner_list()?))
        } else {
            Ok(Member::Item(self.parse_item()?))
        }
    }

    fn parse_inner_list(&mut self) -> PResult<InnerList> {
        if self.bump() != Some(b'(') {
            return self.err("expected '('");
        }
        let mut items = Vec::new();
        loop {
            self.skip_sp();
            match self.peek() {
                Some(b')') => {
                    self.pos += 1;
                    let params = self.parse_parameters()?;
                    return Ok(InnerList { items, params });
                }
                None => return self.err("unterminated inner list"),
                Some(_) => {
                    items.push(self.parse_item()?);
                    if !matches!(self.peek(), Some(b' ' | b')')) {
                        return self.err("expected ' ' or ')' in inner list");
                    }
                }
            }
        }
    }

    fn parse_item(&mut self) -> PResult<Item> {
        let bare = self.parse_bare_item()?;
        let params = self.parse_parameters()?;
        Ok(Item { bare, params })
    }

    fn parse_bare_item(&mut self) -> PResult<BareItem> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self.parse_number(),
            Some(b'"') => self.parse_string().map(BareItem::String),
            Some(b':') => self.parse_byte_seq().map(BareItem::ByteSeq),
            Some(b'?') => self.parse_boolean().map(BareItem::Boolean),
            Some(c) if c.is_ascii_alphabetic() || c == b'*' => {
                Ok(BareItem::Token(self.parse_token()))
            }
            _ => self.err("expected a bare item"),
        }
    }

    fn parse_parameters(&mut self) -> PResult<Parameters> {
        let mut params: Parameters = Vec::new();
        while self.peek() == Some(b';') {
            self.pos += 1;
            self.skip_sp();
            let key = self.parse_key()?;
            let value = if self.peek() == Some(b'=') {
                self.pos += 1;
                self.parse_bare_item()?
            } else {
                BareItem::Boolean(true)
            };
            if let Some(slot) = params.iter_mut().find(|(k, _)| *k == key) {
                slot.1 = value;
            } else {
                params.push((key, value));
            }
        }
        Ok(params)
    }

    fn parse_key(&mut self) -> PResult<String> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_ascii_lowercase() || c == b'*' => {}
            _ => return self.err("expected a key"),
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || matches!(c, b'_' | b'-' | b'.' | b'*')
            {
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok(ascii(&self.input[start..self.pos]))
    }

    fn parse_number(&mut self) -> PResult<BareItem> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let start = self.pos;
        let mut dot: Option<usize> = None;
        while let Some(c) = self.peek() {
            match c {
                b'0'..=b'9' => self.pos += 1,
                b'.' if dot.is_none() => {
                    if self.pos - start > 12 {
                        return self.err("decimal integer part too long");
                    }
                    dot = Some(self.pos);
                    self.pos += 1;
                }
                _ => break,
            }
            let len = self.pos - start;
            if (dot.is_none() && len > 15) || (dot.is_some() && len > 16) {
                return self.err("number too long");
            }
        }
        let digits = &self.input[start..self.pos];
        if digits.first().is_none_or(|c| !c.is_ascii_digit()) {
            return self.err("expected a digit");
        }
        let sign = if negative { -1 } else { 1 };
        match dot {
            None => {
                let value: i64 = ascii(digits)
                    .parse()
                    .map_err(|_| format!("bad integer at offset {start}"))?;
                if value > MAX_INTEGER {
                    return self.err("integer out of range");
                }
                Ok(BareItem::Integer(sign * value))
            }
            Some(dot_at) => {
                let int_part = &self.input[start..dot_at];
                let frac_part = &self.input[dot_at + 1..self.pos];
                if frac_part.is_empty() || frac_part.len() > 3 {
                    return self.err("decimal needs one to three fractional digits");
                }
                let int: i64 = ascii(int_part)
                    .parse()
                    .map_err(|_| format!("bad decimal at offset {start}"))?;
                let mut frac: i64 = ascii(frac_part)
                    .parse()
                    .map_err(|_| format!("bad decimal at offset {start}"))?;
                for _ in frac_part.len()..3 {
                    frac *= 10;
                }
                Ok(BareItem::Decimal(sign * (int * 1000 + frac)))
            }
        }
    }

    fn parse_string(&mut self) -> PResult<String> {
        if self.bump() != Some(b'"') {
            return self.err("expected '\"'");
        }
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return self.err("unterminated string"),
                Some(b'\\') => match self.bump() {
                    Some(c @ (b'"' | b'\\')) => out.push(char::from(c)),
                    _ => return self.err("bad escape in string"),
                },
                Some(b'"') => return Ok(out),
                Some(c @ 0x20..=0x7e) => out.push(char::from(c)),
                Some(_) => return self.err("bad character in string"),
            }
        }
    }

    fn parse_token(&mut self) -> String {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_tchar(c) || c == b':' || c == b'/' {
                self.pos += 1;
            } else {
                break;
            }
        }
        ascii(&self.input[start..self.pos])
    }

    fn parse_byte_seq(&mut self) -> PResult<Vec<u8>> {
        if self.bump() != Some(b':') {
            return self.err("expected ':'");
        }
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == b':' {
                break;
            }
            if !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=')) {
                return self.err("bad character in byte sequence");
            }
            self.pos += 1;
        }
        if self.bump() != Some(b':') {
            return self.err("unterminated byte sequence");
        }
        let text = ascii(&self.input[start..self.pos - 1]);
        pem::b64_decode_lenient(&text).ok_or_else(|| format!("bad base64 at offset {start}"))
    }

    fn parse_boolean(&mut self) -> PResult<bool> {
        if self.bump() != Some(b'?') {
            return self.err("expected '?'");
        }
        match self.bump() {
            Some(b'1') => Ok(true),
            Some(b'0') => Ok(false),
            _ => self.err("bad boolean"),
        }
    }
}

fn insert(dict: &mut Dictionary, key: String, member: Member) {
    if let Some(slot) = dict.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = member;
    } else {
        dict.push((key, member));
    }
}

/// Only called on spans already checked to be ASCII.
fn ascii(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// Parses a Dictionary field value (already combined from all field lines).
pub(crate) fn parse_dictionary(input: &str) -> Result<Dictionary, String> {
    let trimmed = input.trim_matches(' ');
    let mut parser = Parser {
        input: trimmed.as_bytes(),
        pos: 0,
    };
    parser.parse_dictionary()
}

fn serialize_bare_item(item: &BareItem, out: &mut String) {
    match item {
        BareItem::Integer(i) => out.push_str(&i.to_string()),
        BareItem::Decimal(thousandths) => {
            if *thousandths < 0 {
                out.push('-');
            }
            let abs = thousandths.unsigned_abs();
            out.push_str(&(abs / 1000).to_string());
            out.push('.');
            let frac = format!("{:03}", abs % 1000);
            let frac = frac.trim_end_matches('0');
            out.push_str(if frac.is_empty() { "0" } else { frac });
        }
        BareItem::String(s) => {
            out.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
        BareItem::Token(t) => out.push_str(t),
        BareItem::ByteSeq(b) => {
            out.push(':');
            out.push_str(&pem::b64_encode(b));
            out.push(':');
        }
        BareItem::Boolean(true) => out.push_str("?1"),
        BareItem::Boolean(false) => out.push_str("?0"),
    }
}

fn serialize_parameters(params: &Parameters, out: &mut String) {
    for (key, value) in params {
        out.push(';');
        out.push_str(key);
        if *value != BareItem::Boolean(true) {
            out.push('=');
            serialize_bare_item(value, out);
        }
    }
}

/// Serialises an Inner List with its parameters, as RFC 8941 §4.1.1.1.
pub(crate) fn serialize_inner_list(list: &InnerList, out: &mut String) {
    out.push('(');
    for (i, item) in list.items.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        serialize_bare_item(&item.bare, out);
        serialize_parameters(&item.params, out);
    }
    out.push(')');
    serialize_parameters(&list.params, out);
}

/// Serialises a single Item with its parameters.
pub(crate) fn serialize_item(item: &Item, out: &mut String) {
    serialize_bare_item(&item.bare, out);
    serialize_parameters(&item.params, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inner(member: &Member) -> &InnerList {
        match member {
            Member::InnerList(l) => l,
            Member::Item(_) => panic!("expected inner list"),
        }
    }

    #[test]
    fn parses_signature_input_and_reserialises_it_exactly() {
        let text = r#"sig1=("@method" "@target-uri" "content-digest");created=1618884473;keyid="test-key-rsa";alg="rsa-v1_5-sha256", sig2=();created=1;nonce="x\"y\\z""#;
        let dict = parse_dictionary(text).expect("parses");
        assert_eq!(dict.len(), 2);
        assert_eq!(dict[0].0, "sig1");
        let list = inner(&dict[0].1);
        assert_eq!(list.items.len(), 3);
        assert_eq!(list.items[1].bare, BareItem::String("@target-uri".into()));
        assert_eq!(
            list.params[0],
            ("created".into(), BareItem::Integer(1_618_884_473))
        );
        let mut out = String::new();
        serialize_inner_list(list, &mut out);
        assert_eq!(
            out,
            r#"("@method" "@target-uri" "content-digest");created=1618884473;keyid="test-key-rsa";alg="rsa-v1_5-sha256""#
        );
        let list2 = inner(&dict[1].1);
        assert_eq!(list2.params[1].1, BareItem::String(r#"x"y\z"#.into()));
        let mut out = String::new();
        serialize_inner_list(list2, &mut out);
        assert_eq!(out, r#"();created=1;nonce="x\"y\\z""#);
    }

    #[test]
    fn parses_byte_sequences_tokens_booleans_and_decimals() {
        let dict = parse_dictionary("a=:aGVsbG8=:, b=tok/en:x;p, c, d=?0, e=-1.50, f=:aGVsbG8:")
            .expect("parses");
        let item = |i: usize| match &dict[i].1 {
            Member::Item(item) => item.clone(),
            Member::InnerList(_) => panic!("expected item"),
        };
        assert_eq!(item(0).bare, BareItem::ByteSeq(b"hello".to_vec()));
        assert_eq!(item(1).bare, BareItem::Token("tok/en:x".into()));
        assert_eq!(item(1).params, vec![("p".into(), BareItem::Boolean(true))]);
        assert_eq!(item(2).bare, BareItem::Boolean(true));
        assert_eq!(item(3).bare, BareItem::Boolean(false));
        assert_eq!(item(4).bare, BareItem::Decimal(-1500));
        assert_eq!(item(5).bare, BareItem::ByteSeq(b"hello".to_vec()));
        let mut out = String::new();
        serialize_item(&item(4), &mut out);
        assert_eq!(out, "-1.5");
    }

    #[test]
    fn duplicate_keys_overwrite_in_place() {
        let dict = parse_dictionary("a=1, b=2, a=3").expect("parses");
        assert_eq!(dict.len(), 2);
        assert_eq!(dict[0].0, "a");
        assert_eq!(
            dict[0].1,
            Member::Item(Item {
                bare: BareItem::Integer(3),
                params: vec![]
            })
        );
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
        ] {
            assert!(parse_dictionary(bad).is_err(), "accepted {bad:?}");
        }
        assert_eq!(parse_dictionary("").expect("empty is empty"), vec![]);
        assert!(
            parse_dictionary("  a=1  ").is_ok(),
            "surrounding spaces are allowed"
        );
    }
}

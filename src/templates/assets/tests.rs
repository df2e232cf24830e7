//! The stylesheet as served: the code themes are scoped and readable in both colour schemes.

use std::collections::BTreeMap;

use super::stylesheet;

/// One CSS rule: its selector list and its declarations.
#[derive(Debug, Clone)]
struct Rule {
    selectors: String,
    declarations: BTreeMap<String, String>,
}

/// The rules outside any at-rule, and those inside `@media (prefers-color-scheme: dark)`.
fn parse(css: &str) -> (Vec<Rule>, Vec<Rule>) {
    let mut text = String::new();
    let mut rest = css;
    while let Some(i) = rest.find("/*") {
        text.push_str(&rest[..i]);
        rest = rest[i..].find("*/").map_or("", |j| &rest[i + j + 2..]);
    }
    text.push_str(rest);

    let (mut light, mut dark) = (Vec::new(), Vec::new());
    let mut rest = text.as_str();
    while let Some(open) = rest.find('{') {
        let head = rest[..open].trim().to_owned();
        if head.starts_with('@') {
            // Find the block's end, counting braces.
            let mut depth = 0;
            let mut end = open;
            for (i, c) in rest[open..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = open + i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let inner = &rest[open + 1..end];
            if head.replace(' ', "") == "@media(prefers-color-scheme:dark)" {
                dark.extend(rules(inner));
            }
            rest = &rest[end + 1..];
        } else {
            let close = open + rest[open..].find('}').expect("a closed rule");
            light.extend(rules(&rest[..=close]));
            rest = &rest[close + 1..];
        }
    }
    (light, dark)
}

/// Plain rules (no at-rules) in `css`.
fn rules(css: &str) -> Vec<Rule> {
    css.split('}')
        .filter_map(|block| {
            let (selectors, body) = block.split_once('{')?;
            let declarations = body
                .split(';')
                .filter_map(|d| d.split_once(':'))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect();
            Some(Rule {
                selectors: selectors.trim().to_owned(),
                declarations,
            })
        })
        .collect()
}

/// The rules that style the highlighter's classes.
fn code_rules(rules: &[Rule]) -> Vec<Rule> {
    rules
        .iter()
        .filter(|r| r.selectors.contains(".hl-"))
        .cloned()
        .collect()
}

fn rgb(colour: &str) -> [f64; 3] {
    let hex = colour.trim().trim_start_matches('#');
    let hex: String = if hex.len() == 3 {
        hex.chars().flat_map(|c| [c, c]).collect()
    } else {
        hex.to_owned()
    };
    assert_eq!(hex.len(), 6, "a #rrggbb colour: {colour}");
    let channel = |i: usize| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
    [channel(0), channel(2), channel(4)]
}

/// WCAG 2 relative luminance.
fn luminance(colour: &str) -> f64 {
    let [r, g, b] = rgb(colour).map(|c| {
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

/// WCAG 2 contrast ratio of two colours.
fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn css() -> String {
    String::from_utf8(stylesheet()).expect("the stylesheet is UTF-8")
}

#[test]
fn contrast_is_computed_as_wcag_does() {
    assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 0.01);
    assert!((contrast("#777", "#fff") - 4.48).abs() < 0.01);
}

#[test]
fn every_code_colour_reads_at_4_5_to_1_in_both_themes() {
    let (light, dark) = parse(&css());
    for (theme, rules) in [("light", code_rules(&light)), ("dark", code_rules(&dark))] {
        let block = rules
            .iter()
            .find(|r| r.selectors == "pre.hl-code")
            .unwrap_or_else(|| panic!("the {theme} theme styles pre.hl-code"));
        let background = &block.declarations["background"];
        let mut checked = 0;
        for rule in &rules {
            if let Some(colour) = rule.declarations.get("color") {
                let ratio = contrast(colour, background);
                assert!(
                    ratio >= 4.5,
                    "{theme}: {} {colour} on {background} is {ratio:.2}:1",
                    rule.selectors
                );
                checked += 1;
            }
        }
        assert!(checked >= 20, "{theme}: only {checked} colours");
    }
}

#[test]
fn both_themes_style_the_same_classes_and_only_prefixed_ones() {
    let (light, dark) = parse(&css());
    let (light, dark) = (code_rules(&light), code_rules(&dark));
    let with_colour = |rules: &[Rule]| -> Vec<(String, Vec<String>)> {
        let mut v: Vec<_> = rules
            .iter()
            .map(|r| {
                (
                    r.selectors.clone(),
                    r.declarations.keys().cloned().collect(),
                )
            })
            .collect();
        v.sort();
        v
    };
    // Whatever the light theme sets, the dark one sets again: nothing light leaks into dark.
    assert_eq!(with_colour(&light), with_colour(&dark));
    for rule in &light {
        for class in rule.selectors.split(['.', ',', ' ']).skip(1) {
            let class = class.trim();
            assert!(
                class.is_empty() || class.starts_with("hl-"),
                "{} styles a class of the page: {class}",
                rule.selectors
            );
        }
    }
    // The page's own rules never reach into highlighted code.
    for rule in parse(&css()).0.iter().chain(parse(&css()).1.iter()) {
        if !rule.selectors.contains(".hl-") {
            assert!(
                !rule.selectors.contains("syntax-highlighting"),
                "{}",
                rule.selectors
            );
        }
    }
}

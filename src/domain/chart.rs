//! Bar charts drawn on the server as SVG, for pages that must work without scripts: stacked
//! bars of counts over time, with a text alternative. Colours come from the page's CSS
//! (`.bar-ok`, `.bar-bad`), so the chart follows the light or dark theme.

use std::fmt::Write;

use super::html::escape;

/// One bar: its label (shown under some bars and in the tooltip) and its two stacked parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    /// The lower part (deliveries that arrived).
    pub ok: i64,
    /// The upper part (attempts that failed).
    pub bad: i64,
}

const WIDTH: u32 = 720;
const HEIGHT: u32 = 200;
const AXIS: u32 = 28;
const TOP: u32 = 14;

/// An SVG of `bars` stacked `ok` below `bad`, scaled to the tallest; every `label_every`-th
/// bar is labelled on the axis. `title` names the chart for assistive technology.
pub fn stacked_bars(title: &str, bars: &[Bar], label_every: usize) -> String {
    let max = bars.iter().map(|b| b.ok + b.bad).max().unwrap_or(0).max(1);
    let slot = WIDTH as f64 / bars.len().max(1) as f64;
    let plot = f64::from(HEIGHT - AXIS - TOP);
    let scale = |n: i64| n as f64 * plot / max as f64;
    let base = f64::from(HEIGHT - AXIS);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-label=\"{title}\" xmlns=\"http://www.w3.org/2000/svg\">",
        title = escape(title)
    );
    let _ = write!(
        svg,
        "<text class=\"chart-max\" x=\"2\" y=\"12\">{max}</text>\
         <line class=\"chart-axis\" x1=\"0\" y1=\"{base}\" x2=\"{WIDTH}\" y2=\"{base}\"/>"
    );
    for (i, bar) in bars.iter().enumerate() {
        let x = i as f64 * slot + slot * 0.1;
        let w = slot * 0.8;
        let (ok, bad) = (scale(bar.ok), scale(bar.bad));
        let tip = format!("{}: {} delivered, {} failed", bar.label, bar.ok, bar.bad);
        let _ = write!(svg, "<g><title>{}</title>", escape(&tip));
        if bar.ok > 0 {
            let _ = write!(
                svg,
                "<rect class=\"bar-ok\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{ok:.1}\"/>",
                base - ok
            );
        }
        if bar.bad > 0 {
            let _ = write!(
                svg,
                "<rect class=\"bar-bad\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{bad:.1}\"/>",
                base - ok - bad
            );
        }
        svg.push_str("</g>");
        if label_every > 0 && i % label_every == 0 {
            let _ = write!(
                svg,
                "<text class=\"chart-label\" x=\"{:.1}\" y=\"{}\">{}</text>",
                x,
                HEIGHT - 6,
                escape(&bar.label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, ok: i64, bad: i64) -> Bar {
        Bar {
            label: label.into(),
            ok,
            bad,
        }
    }

    #[test]
    fn bars_are_scaled_to_the_tallest_and_labels_are_escaped() {
        let svg = stacked_bars(
            "Deliveries <per hour>",
            &[bar("00:00", 10, 0), bar("01:00", 5, 5), bar("<b>", 0, 0)],
            2,
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("aria-label=\"Deliveries &lt;per hour&gt;\""));
        assert_eq!(svg.matches("class=\"bar-ok\"").count(), 2);
        assert_eq!(svg.matches("class=\"bar-bad\"").count(), 1);
        // The tallest bar fills the plot: 200 - 28 - 14 = 158 units.
        assert!(svg.contains("height=\"158.0\""), "{svg}");
        assert!(svg.contains("01:00: 5 delivered, 5 failed"));
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert_eq!(svg.matches("class=\"chart-label\"").count(), 2);
    }

    #[test]
    fn an_empty_chart_is_still_a_chart() {
        let svg = stacked_bars("Nothing yet", &[], 1);
        assert!(svg.contains("role=\"img\"") && !svg.contains("<rect"));
    }
}

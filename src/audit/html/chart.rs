//! Horizontal bar charts as inline SVG, drawn from the summary's counts: readable without
//! script, printable, and built with `maud` like the rest of the page (labels are escaped).

use maud::{html, Markup};

/// Bars drawn per chart; the rest are counted in one line under it.
pub const BARS: usize = 10;
const WIDTH: usize = 560;
const LABEL: usize = 220;
const ROW: usize = 22;
const BAR: usize = 14;
/// Room right of the longest bar for its count.
const COUNT: usize = 44;
/// Labels longer than this are cut (the bar's tooltip has the whole label).
const LABEL_CHARS: usize = 30;

/// One bar: what it counts, how many, and the CSS class that colours it.
pub struct Bar<'a> {
    pub label: &'a str,
    pub count: usize,
    pub class: &'static str,
}

/// A chart of the first [`BARS`] bars, under `caption`; `unit` names what the rest are
/// ("rules", "scopes") in the line that counts them.
pub fn bar_chart(caption: &str, unit: &str, bars: &[Bar<'_>]) -> Markup {
    let shown = &bars[..bars.len().min(BARS)];
    let rest = &bars[shown.len()..];
    let most = shown.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let height = shown.len() * ROW + 4;
    html! {
        figure.chart {
            figcaption { (caption) }
            @if shown.is_empty() {
                p.dim { "No findings." }
            } @else {
                svg viewBox=(format!("0 0 {WIDTH} {height}")) width="100%" role="img"
                    aria-label=(caption) {
                    @for (i, bar) in shown.iter().enumerate() {
                        @let y = i * ROW;
                        @let width = (WIDTH - LABEL - COUNT) * bar.count / most;
                        g class=(bar.class) {
                            title { (bar.label) ": " (bar.count) }
                            text x=(LABEL - 8) y=(y + 15) text-anchor="end" { (cut(bar.label)) }
                            rect x=(LABEL) y=(y + 4) width=(width.max(2)) height=(BAR) rx="2" {}
                            text.count x=(LABEL + width.max(2) + 6) y=(y + 15) { (bar.count) }
                        }
                    }
                }
                @if !rest.is_empty() {
                    p.dim {
                        "and " (rest.len()) " more " (unit) " with "
                        (rest.iter().map(|b| b.count).sum::<usize>()) " findings"
                    }
                }
            }
        }
    }
}

fn cut(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_string();
    }
    let mut cut: String = label.chars().take(LABEL_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_at_most_the_first_bars_and_counts_the_rest() {
        let labels: Vec<String> = (0..13).map(|i| format!("rule-{i}")).collect();
        let bars: Vec<Bar> = labels
            .iter()
            .map(|label| Bar {
                label,
                count: 2,
                class: "secret",
            })
            .collect();
        let svg = bar_chart("Findings by rule", "rules", &bars).into_string();
        assert_eq!(svg.matches("<rect").count(), BARS);
        assert!(svg.contains("and 3 more rules with 6 findings"), "{svg}");
        // Closed explicitly: in HTML an SVG `<rect>` without `/>` would swallow what follows.
        assert_eq!(svg.matches("</rect>").count(), BARS);
    }

    #[test]
    fn labels_are_escaped_and_cut() {
        let label = "<b>a-very-long-function-name-in-an-account</b>";
        let bars = [Bar {
            label,
            count: 1,
            class: "scope",
        }];
        let svg = bar_chart("c", "scopes", &bars).into_string();
        assert!(!svg.contains("<b>"), "{svg}");
        assert!(svg.contains("&lt;b&gt;a-very-long"));
        assert!(svg.contains('…'));
    }
}

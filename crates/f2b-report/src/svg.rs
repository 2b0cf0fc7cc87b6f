//! Small helpers for hand-written SVG and HTML: escaping, number formats,
//! "nice" axis ticks, text width estimates and the colour scale.

use std::fmt::Write as _;

/// Escapes text for HTML and SVG, in element content and in quoted attributes.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in HTML text.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// An integer with thousands separators: `1,234,567`.
pub fn num(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An optional count, or an en dash when it is unknown.
pub fn opt_num(n: Option<u64>) -> String {
    n.map_or_else(|| "–".to_string(), num)
}

/// A share of a whole as a percentage with one decimal (`"12.5%"`).
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".to_string();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// A coordinate with at most one decimal, without a trailing `.0`.
pub fn f(x: f64) -> String {
    let x = if x.is_finite() { x } else { 0.0 };
    let r = (x * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// Axis ticks from 0 to at least `max`, about `target` of them, on steps of
/// 1, 2 or 5 times a power of ten. The last tick is the axis maximum.
pub fn nice_ticks(max: u64, target: u64) -> Vec<u64> {
    let max = max.max(1);
    let raw = max.div_ceil(target.max(1)).max(1);
    let mut power = 1u64;
    while power.saturating_mul(10) <= raw {
        power *= 10;
    }
    let step = [1u64, 2, 5, 10]
        .iter()
        .map(|m| m.saturating_mul(power))
        .find(|&s| s >= raw)
        .unwrap_or(raw);
    let mut ticks = vec![0];
    let mut t = 0u64;
    while t < max {
        t = t.saturating_add(step);
        ticks.push(t);
        if t == u64::MAX {
            break;
        }
    }
    ticks
}

/// A rough width in pixels of `text` at `size` px in a sans-serif font, to
/// lay out labels without a font engine.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | ' ' | 'I' => 0.3,
            'f' | 'r' | 't' | '(' | ')' | '-' | '[' | ']' => 0.4,
            'm' | 'w' | 'M' | 'W' | '@' => 0.9,
            c if c.is_ascii_uppercase() => 0.72,
            c if c.is_ascii_digit() => 0.64,
            _ => 0.6,
        })
        .sum::<f64>()
        * size
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// ColorBrewer "Blues", light to dark: one hue, readable for colour-blind
/// readers and in greyscale. The lightest steps are left out so the smallest
/// non-zero value still stands apart from an empty cell.
const BLUES: [(u8, u8, u8); 7] = [
    (0xc6, 0xdb, 0xef),
    (0x9e, 0xca, 0xe1),
    (0x6b, 0xae, 0xd6),
    (0x42, 0x92, 0xc6),
    (0x21, 0x71, 0xb5),
    (0x08, 0x51, 0x9c),
    (0x08, 0x30, 0x6b),
];

/// The fill of an empty cell: visible on white, clearly not a colour of the scale.
pub const EMPTY_FILL: &str = "#f4f4f4";

/// The colour of `t` in 0..=1 on the sequential scale.
pub fn blues(t: f64) -> String {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (BLUES.len() - 1) as f64;
    let i = (pos.floor() as usize).min(BLUES.len() - 2);
    let frac = pos - i as f64;
    let (a, b) = (BLUES[i], BLUES[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * frac).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// How counts map to colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Proportional: for counts of one order of magnitude (hours of a week).
    Linear,
    /// Square root, so that a few huge counts do not wash out all the
    /// others (flows between countries).
    Sqrt,
}

/// The colour of a count up to `max`; zero is [`EMPTY_FILL`].
pub fn count_colour(value: u64, max: u64, scale: Scale) -> String {
    if value == 0 || max == 0 {
        return EMPTY_FILL.to_string();
    }
    let t = value as f64 / max as f64;
    blues(match scale {
        Scale::Linear => t,
        Scale::Sqrt => t.sqrt(),
    })
}

/// A `<linearGradient>` of the scale, with id `id`, for legends.
pub fn gradient(id: &str) -> String {
    let mut out = format!(r#"<linearGradient id="{id}" x1="0" x2="1" y1="0" y2="0">"#);
    let n = BLUES.len() - 1;
    for (i, (r, g, b)) in BLUES.iter().enumerate() {
        let _ = write!(
            out,
            r##"<stop offset="{}" stop-color="#{r:02x}{g:02x}{b:02x}"/>"##,
            f(i as f64 / n as f64 * 100.0) + "%"
        );
    }
    out.push_str("</linearGradient>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc(r#"<b>&"x" 'y'"#),
            "&lt;b&gt;&amp;&quot;x&quot; &#39;y&#39;"
        );
        assert_eq!(esc("a\u{0}b"), "a\u{FFFD}b");
    }

    #[test]
    fn numbers_get_separators() {
        assert_eq!(num(0), "0");
        assert_eq!(num(999), "999");
        assert_eq!(num(1000), "1,000");
        assert_eq!(num(1_234_567), "1,234,567");
        assert_eq!(percent(1, 8), "12.5%");
        assert_eq!(percent(1, 0), "–");
        assert_eq!(f(2.0), "2");
        assert_eq!(f(2.25), "2.3");
        assert_eq!(f(f64::NAN), "0");
    }

    #[test]
    fn ticks_are_nice_and_cover_the_maximum() {
        assert_eq!(nice_ticks(0, 5), [0, 1]);
        assert_eq!(nice_ticks(7, 5), [0, 2, 4, 6, 8]);
        assert_eq!(nice_ticks(100, 5), [0, 20, 40, 60, 80, 100]);
        assert_eq!(nice_ticks(1234, 5), [0, 500, 1000, 1500]);
        let huge = nice_ticks(u64::MAX, 5);
        assert!(huge.len() < 20 && *huge.last().unwrap() == u64::MAX);
    }

    #[test]
    fn colours_run_light_to_dark() {
        assert_eq!(blues(0.0), "#c6dbef");
        assert_eq!(blues(1.0), "#08306b");
        assert_eq!(count_colour(0, 10, Scale::Sqrt), EMPTY_FILL);
        assert_eq!(count_colour(10, 10, Scale::Linear), "#08306b");
        assert_eq!(count_colour(1, 4, Scale::Sqrt), blues(0.5));
        assert_eq!(blues(f64::NAN), "#c6dbef");
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}

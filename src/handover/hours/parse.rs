//! The text forms of `OFFICE_HOURS`, `OFFICE_CLOSED_DATES` and
//! `BATON_TIMEZONE`. Every error names the offending piece and the form
//! expected, so a config problem reads as one line an admin can act on.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::tz::TimeZone;

/// Minutes in a day; a range's `end` above this runs past midnight.
pub(crate) const DAY_MINUTES: u16 = 24 * 60;

/// One opening range of a weekday, in local minutes since midnight:
/// open from `start` (inclusive) to `end` (exclusive). `end` exceeds
/// [`DAY_MINUTES`] when the range runs into the next day (`22:00-02:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Range {
    pub start: u16,
    pub end: u16,
}

/// Opening ranges per weekday, Monday first.
pub(crate) type Week = [Vec<Range>; 7];

const DAYS: [(&str, &str); 7] = [
    ("mon", "monday"),
    ("tue", "tuesday"),
    ("wed", "wednesday"),
    ("thu", "thursday"),
    ("fri", "friday"),
    ("sat", "saturday"),
    ("sun", "sunday"),
];

const HOURS_FORM: &str = "HH:MM-HH:MM (several joined by `,`), `24h` or `closed`";

/// Parses `OFFICE_HOURS`. `None` means "no weekly schedule" (always open).
///
/// Form: rules separated by `;`, each `DAYS HOURS`. `DAYS` is a day
/// (`mon`…`sun` or the full name), a range `mon-fri` (it may wrap:
/// `fri-mon`), a `,`-list of those, or `daily`. `HOURS` is `24h`, `closed`
/// or `HH:MM-HH:MM` ranges joined by `,`; an end of `24:00` is midnight, and
/// an end before the start runs past midnight into the next day. A later
/// rule replaces the hours of the days it names (`mon-fri 09:00-17:00; fri
/// 09:00-15:00` closes early on Fridays); days no rule names are closed.
pub(crate) fn parse_week(text: &str) -> Result<Option<Week>, String> {
    let rules: Vec<&str> = text
        .split(';')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .collect();
    if rules.is_empty() {
        return Ok(None);
    }
    let mut week: Week = Default::default();
    for rule in rules {
        let (days, ranges) = parse_rule(rule)?;
        for day in days {
            week[day].clone_from(&ranges);
        }
    }
    Ok(Some(week))
}

fn parse_rule(rule: &str) -> Result<(Vec<usize>, Vec<Range>), String> {
    let norm = normalize(rule);
    let mut parts = norm.split(' ');
    let (Some(days), Some(hours), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "rule `{rule}` is not `DAYS HOURS` (expected e.g. `mon-fri 09:00-17:00`)"
        ));
    };
    let days = parse_days(days).map_err(|e| format!("rule `{rule}`: {e}"))?;
    let ranges = parse_hours(hours).map_err(|e| format!("rule `{rule}`: {e}"))?;
    Ok((days, ranges))
}

/// Lower-cases, collapses whitespace and drops spaces around `-` and `,`,
/// so `Mon - Fri  09:00 - 12:00, 13:00-17:00` has exactly two parts.
fn normalize(rule: &str) -> String {
    let words: Vec<&str> = rule.split_whitespace().collect();
    let joined = words.join(" ").to_ascii_lowercase();
    let mut out = String::with_capacity(joined.len());
    let chars: Vec<char> = joined.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let glued = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|n| matches!(n, '-' | ','))
        };
        if c == ' ' && (glued(i.checked_sub(1)) || glued(Some(i + 1))) {
            continue;
        }
        out.push(c);
    }
    out
}

fn parse_days(text: &str) -> Result<Vec<usize>, String> {
    if matches!(text, "daily" | "everyday") {
        return Ok((0..7).collect());
    }
    let mut days = Vec::new();
    for item in text.split(',') {
        match item.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (day(from)?, day(to)?);
                let mut d = from;
                loop {
                    days.push(d);
                    if d == to {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => days.push(day(item)?),
        }
    }
    Ok(days)
}

fn day(name: &str) -> Result<usize, String> {
    DAYS.iter()
        .position(|(short, long)| name == *short || name == *long)
        .ok_or_else(|| {
            format!("`{name}` is not a day (expected mon, tue, wed, thu, fri, sat, sun)")
        })
}

fn parse_hours(text: &str) -> Result<Vec<Range>, String> {
    match text {
        "closed" => return Ok(Vec::new()),
        "24h" => {
            return Ok(vec![Range {
                start: 0,
                end: DAY_MINUTES,
            }]);
        }
        _ => {}
    }
    text.split(',').map(parse_range).collect()
}

fn parse_range(text: &str) -> Result<Range, String> {
    let Some((from, to)) = text.split_once('-') else {
        return Err(format!(
            "`{text}` is not a time range (expected {HOURS_FORM})"
        ));
    };
    let start = time(from, false)?;
    let end = time(to, true)?;
    if start == end {
        return Err(format!("`{text}` is an empty range"));
    }
    // An end before the start runs past midnight: `22:00-02:00`.
    let end = if end < start { end + DAY_MINUTES } else { end };
    Ok(Range { start, end })
}

/// `HH:MM` (or `H:MM`) as minutes since midnight; `24:00` only as an end.
fn time(text: &str, is_end: bool) -> Result<u16, String> {
    let bad =
        || format!("`{text}` is not a time (expected HH:MM, 00:00 to 23:59, or 24:00 as an end)");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let digits = |s: &str, max_len: usize| {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u16>().ok())
            .flatten()
    };
    let (Some(h), Some(m)) = (digits(h, 2), digits(m, 2).filter(|_| m.len() == 2)) else {
        return Err(bad());
    };
    match (h, m) {
        (24, 0) if is_end => Ok(DAY_MINUTES),
        (0..=23, 0..=59) => Ok(h * 60 + m),
        _ => Err(bad()),
    }
}

/// Parses `OFFICE_CLOSED_DATES`: `YYYY-MM-DD` dates separated by `,`.
pub(crate) fn parse_closed_dates(text: &str) -> Result<BTreeSet<Date>, String> {
    let mut dates = BTreeSet::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        dates.insert(date(item)?);
    }
    Ok(dates)
}

fn date(text: &str) -> Result<Date, String> {
    let bad = || format!("`{text}` is not a date (expected YYYY-MM-DD)");
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| text[r].parse::<i16>().map_err(|_| bad());
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (Ok(m), Ok(d)) = (i8::try_from(m), i8::try_from(d)) else {
        return Err(bad());
    };
    Date::new(y, m, d).map_err(|_| format!("`{text}` is not a calendar date"))
}

/// Parses `BATON_TIMEZONE`: an IANA name such as `Europe/Berlin`; blank is
/// `UTC`. Fixed offsets (`+07:00`) are refused: they ignore daylight
/// saving time, which is what a zone name is for.
pub(crate) fn parse_time_zone(text: &str) -> Result<TimeZone, String> {
    let name = text.trim();
    if name.is_empty() {
        return Ok(TimeZone::UTC);
    }
    match TimeZone::get(name) {
        Ok(tz) if !tz.is_unknown() => Ok(tz),
        _ => Err(format!(
            "`{name}` is not a known IANA time zone (expected e.g. `Europe/Berlin`, `Asia/Jakarta` or `UTC`)"
        )),
    }
}

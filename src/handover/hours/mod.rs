//! Office hours: when a human team is at work, in the office's time zone.
//!
//! Built from `OFFICE_HOURS` (a weekly schedule), `OFFICE_CLOSED_DATES`
//! (holidays, closed all day) and `BATON_TIMEZONE` (an IANA zone). Every
//! question is answered on the local wall clock of that zone, so an office
//! open 09:00-17:00 stays open 09:00-17:00 across daylight-saving changes.
//! Time-zone rules come from the system's tz database when there is one
//! (kept current by the OS) and otherwise from a copy compiled into the
//! binary, so a container without `/usr/share/zoneinfo` still works.

mod parse;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use parse::{DAY_MINUTES, Range, Week};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// When the office is open. Cheap to clone; `Default` is "always open, UTC".
#[derive(Clone)]
pub struct OfficeHours {
    /// Ranges per weekday (Monday first); every day `24h` when no weekly
    /// schedule is configured.
    week: Week,
    scheduled: bool,
    closed: BTreeSet<Date>,
    tz: TimeZone,
    tz_name: String,
    /// The schedule as configured (trimmed), for `baton check`.
    source: String,
}

impl Default for OfficeHours {
    fn default() -> Self {
        Self::from_parts(None, BTreeSet::new(), TimeZone::UTC, "")
    }
}

impl fmt::Debug for OfficeHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OfficeHours")
            .field("hours", &self.source)
            .field("closed_dates", &self.closed.len())
            .field("time_zone", &self.tz_name)
            .finish()
    }
}

/// One line for `baton check`, e.g.
/// `mon-fri 09:00-17:00 (Europe/Berlin), 2 closed date(s)`.
impl fmt::Display for OfficeHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scheduled {
            write!(f, "{} ({})", self.source, self.tz_name)?;
        } else {
            write!(f, "always open ({})", self.tz_name)?;
        }
        if !self.closed.is_empty() {
            write!(f, ", {} closed date(s)", self.closed.len())?;
        }
        Ok(())
    }
}

impl OfficeHours {
    /// Parses the three settings: `hours` as `OFFICE_HOURS` (blank: always
    /// open), `closed_dates` as `OFFICE_CLOSED_DATES` (blank: none), `tz` as
    /// `BATON_TIMEZONE` (blank: UTC). The error starts with the variable's
    /// name and says what is wrong, e.g. ``OFFICE_HOURS: rule `mon-fri
    /// 9-17`: `9` is not a time (…)``.
    pub fn parse(hours: &str, closed_dates: &str, tz: &str) -> Result<Self, String> {
        Self::parse_all(hours, closed_dates, tz).map_err(|problems| {
            let (var, problem) = &problems[0];
            format!("{var}: {problem}")
        })
    }

    /// Like [`OfficeHours::parse`], but reports every bad variable: a
    /// non-empty list of (variable name, problem).
    pub fn parse_all(
        hours: &str,
        closed_dates: &str,
        tz: &str,
    ) -> Result<Self, Vec<(&'static str, String)>> {
        let week = parse::parse_week(hours);
        let closed = parse::parse_closed_dates(closed_dates);
        let zone = parse::parse_time_zone(tz);
        match (week, closed, zone) {
            (Ok(week), Ok(closed), Ok(zone)) => Ok(Self::from_parts(week, closed, zone, hours)),
            (week, closed, zone) => Err([
                ("OFFICE_HOURS", week.err()),
                ("OFFICE_CLOSED_DATES", closed.err()),
                ("BATON_TIMEZONE", zone.err()),
            ]
            .into_iter()
            .filter_map(|(var, e)| Some((var, e?)))
            .collect()),
        }
    }

    fn from_parts(week: Option<Week>, closed: BTreeSet<Date>, tz: TimeZone, source: &str) -> Self {
        let scheduled = week.is_some();
        let week = week.unwrap_or_else(|| {
            std::array::from_fn(|_| {
                vec![Range {
                    start: 0,
                    end: DAY_MINUTES,
                }]
            })
        });
        let tz_name = tz.iana_name().unwrap_or("UTC").to_string();
        Self {
            week,
            scheduled,
            closed,
            tz,
            tz_name,
            source: source.trim().to_string(),
        }
    }

    /// The office's time zone (`BATON_TIMEZONE`).
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The time zone's IANA name, e.g. `Europe/Berlin`.
    pub fn time_zone_name(&self) -> &str {
        &self.tz_name
    }

    /// Whether a weekly schedule is configured (`OFFICE_HOURS` not blank).
    /// Without one the office is open except on closed dates.
    pub fn has_schedule(&self) -> bool {
        self.scheduled
    }

    /// Whether the office is open at `at_ms` (Unix milliseconds).
    pub fn is_open(&self, at_ms: i64) -> bool {
        let local = self.local(at_ms);
        let date = local.date();
        if self.closed.contains(&date) {
            return false;
        }
        let minute = minute_of_day(local);
        let today = weekday(date);
        if self.week[today]
            .iter()
            .any(|r| r.start <= minute && minute < r.end)
        {
            return true;
        }
        // Yesterday's ranges that run past midnight (`fri 22:00-02:00` is
        // open early on Saturday) — unless yesterday was a closed date.
        let Ok(yesterday) = date.yesterday() else {
            return false;
        };
        !self.closed.contains(&yesterday)
            && self.week[(today + 6) % 7]
                .iter()
                .any(|r| r.end > DAY_MINUTES && minute + DAY_MINUTES < r.end)
    }

    /// The office's local date at `at_ms`, `YYYY-MM-DD`: the key for "at
    /// most once per conversation per day" rules (the out-of-hours
    /// message), so a day starts at local midnight, not UTC midnight.
    pub fn local_date(&self, at_ms: i64) -> String {
        self.local(at_ms).date().to_string()
    }

    /// The first moment at or after `at_ms` when the office is open: `at_ms`
    /// itself when open now, `None` when it never opens (every day closed).
    pub fn next_open(&self, at_ms: i64) -> Option<i64> {
        if self.is_open(at_ms) {
            return Some(at_ms);
        }
        // Each weekday recurs once per week; every closed date can hide one
        // occurrence, so this many days holds an opening if there is one.
        let horizon = 7 * (self.closed.len() as i64 + 2);
        let first = self.local(at_ms).date();
        for offset in 0..horizon {
            let Some(date) = Span::new()
                .try_days(offset)
                .ok()
                .and_then(|span| first.checked_add(span).ok())
            else {
                break;
            };
            if self.closed.contains(&date) {
                continue;
            }
            let mut starts: Vec<u16> = self.week[weekday(date)].iter().map(|r| r.start).collect();
            starts.sort_unstable();
            for start in starts {
                let wall = date.at((start / 60) as i8, (start % 60) as i8, 0, 0);
                // A start inside a daylight-saving gap moves forward to the
                // first wall time that exists (`compatible`).
                let Ok(ts) = self.tz.to_timestamp(wall) else {
                    continue;
                };
                let ms = ts.as_millisecond();
                if ms > at_ms && self.is_open(ms) {
                    return Some(ms);
                }
            }
        }
        None
    }

    /// When something started at `from_ms` and given `duration_ms` is due,
    /// counted in the office's zone and hours (`HANDOVER_TASK_DUE`): whole
    /// days are calendar days (due in `24h` from Friday 16:00 is Saturday
    /// 16:00 local even across a daylight-saving change, not 15:00 or
    /// 17:00), the rest is elapsed time, and a due moment outside office
    /// hours moves to the next opening (nobody can act on it before). With
    /// no opening ever, the calendar moment is returned unchanged.
    pub fn due_in(&self, from_ms: i64, duration_ms: i64) -> i64 {
        let duration_ms = duration_ms.max(0);
        let (days, rest) = (duration_ms / DAY_MS, duration_ms % DAY_MS);
        let start = self.local(from_ms);
        let shifted = Span::new()
            .try_days(days)
            .ok()
            .and_then(|span| start.checked_add(span).ok())
            .and_then(|wall| self.tz.to_timestamp(wall).ok())
            .map(Timestamp::as_millisecond)
            // Beyond the calendar's range: plain elapsed time.
            .unwrap_or_else(|| from_ms.saturating_add(days.saturating_mul(DAY_MS)));
        let due = shifted.saturating_add(rest);
        self.next_open(due).unwrap_or(due)
    }

    fn local(&self, at_ms: i64) -> DateTime {
        self.tz.to_datetime(timestamp(at_ms))
    }
}

/// `at_ms` as a timestamp, clamped to what the calendar supports (the
/// year range ±9999), so no input can make a question fail.
fn timestamp(at_ms: i64) -> Timestamp {
    Timestamp::from_millisecond(at_ms).unwrap_or(if at_ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

fn minute_of_day(t: DateTime) -> u16 {
    // hour() and minute() are within 0..=23 and 0..=59.
    t.hour().unsigned_abs() as u16 * 60 + t.minute().unsigned_abs() as u16
}

fn weekday(d: Date) -> usize {
    d.weekday().to_monday_zero_offset().unsigned_abs() as usize
}

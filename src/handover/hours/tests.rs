//! Instants are written in UTC (`…Z`) and worked out by hand from the
//! zone's published offsets, so a wrong offset in the code cannot hide
//! behind the same computation in the test.

use super::OfficeHours;

fn ms(utc: &str) -> i64 {
    utc.parse::<jiff::Timestamp>()
        .expect("test instant")
        .as_millisecond()
}

fn hours(schedule: &str, closed: &str, tz: &str) -> OfficeHours {
    OfficeHours::parse(schedule, closed, tz).expect("valid office hours")
}

#[test]
fn weekly_schedule_in_utc() {
    let h = hours("mon-fri 09:00-17:00; sat 09:00-13:00", "", "UTC");
    // 2026-03-02 is a Monday.
    assert!(h.is_open(ms("2026-03-02T09:00:00Z")));
    assert!(h.is_open(ms("2026-03-02T16:59:59Z")));
    assert!(!h.is_open(ms("2026-03-02T17:00:00Z")));
    assert!(!h.is_open(ms("2026-03-02T08:59:59Z")));
    assert!(h.is_open(ms("2026-03-07T12:00:00Z")), "Saturday morning");
    assert!(!h.is_open(ms("2026-03-07T13:00:00Z")), "Saturday afternoon");
    assert!(!h.is_open(ms("2026-03-08T10:00:00Z")), "Sunday");
}

#[test]
fn new_york_across_both_dst_changes() {
    let h = hours("daily 09:00-17:00", "", "America/New_York");
    // Spring forward, Sunday 2026-03-08: EST (-5) before, EDT (-4) after.
    for (local, utc, open) in [
        ("Sat 09:30 EST", "2026-03-07T14:30:00Z", true),
        ("Sat 08:30 EST", "2026-03-07T13:30:00Z", false),
        ("Sun 09:30 EDT", "2026-03-08T13:30:00Z", true),
        ("Sun 08:30 EDT", "2026-03-08T12:30:00Z", false),
        ("Mon 09:30 EDT", "2026-03-09T13:30:00Z", true),
        ("Mon 08:30 EDT", "2026-03-09T12:30:00Z", false),
        ("Mon 16:30 EDT", "2026-03-09T20:30:00Z", true),
        ("Mon 17:30 EDT", "2026-03-09T21:30:00Z", false),
        // Fall back, Sunday 2026-11-01: EDT before, EST after.
        ("Sat 09:30 EDT", "2026-10-31T13:30:00Z", true),
        ("Sat 08:30 EDT", "2026-10-31T12:30:00Z", false),
        ("Sun 09:30 EST", "2026-11-01T14:30:00Z", true),
        ("Sun 08:30 EST", "2026-11-01T13:30:00Z", false),
        ("Mon 09:30 EST", "2026-11-02T14:30:00Z", true),
        ("Mon 08:30 EST", "2026-11-02T13:30:00Z", false),
    ] {
        assert_eq!(h.is_open(ms(utc)), open, "{local} ({utc})");
    }
}

#[test]
fn berlin_across_spring_forward() {
    let h = hours("daily 09:00-17:00", "", "Europe/Berlin");
    // Sunday 2026-03-29: CET (+1) before, CEST (+2) after.
    assert!(h.is_open(ms("2026-03-28T08:30:00Z")), "Sat 09:30 CET");
    assert!(!h.is_open(ms("2026-03-28T07:30:00Z")), "Sat 08:30 CET");
    assert!(h.is_open(ms("2026-03-30T07:30:00Z")), "Mon 09:30 CEST");
    assert!(!h.is_open(ms("2026-03-30T06:30:00Z")), "Mon 08:30 CEST");
    assert!(h.is_open(ms("2026-03-30T14:59:00Z")), "Mon 16:59 CEST");
    assert!(!h.is_open(ms("2026-03-30T15:00:00Z")), "Mon 17:00 CEST");
}

#[test]
fn next_open_lands_on_local_opening_across_dst() {
    let h = hours("daily 09:00-17:00", "", "America/New_York");
    // Saturday 18:00 EST → Sunday 09:00 EDT, after the change.
    assert_eq!(
        h.next_open(ms("2026-03-07T23:00:00Z")),
        Some(ms("2026-03-08T13:00:00Z"))
    );
    // Saturday 18:00 EDT → Sunday 09:00 EST.
    assert_eq!(
        h.next_open(ms("2026-10-31T22:00:00Z")),
        Some(ms("2026-11-01T14:00:00Z"))
    );
    // Open now: now.
    let now = ms("2026-03-09T15:00:00Z");
    assert_eq!(h.next_open(now), Some(now));
}

#[test]
fn an_opening_inside_the_dst_gap_moves_to_the_first_real_minute() {
    // 02:30 does not exist in New York on 2026-03-08 (02:00 → 03:00).
    let h = hours("sun 02:30-04:00", "", "America/New_York");
    let opens = h.next_open(ms("2026-03-07T12:00:00Z"));
    assert_eq!(opens, Some(ms("2026-03-08T07:30:00Z")), "03:30 EDT");
    assert!(!h.is_open(ms("2026-03-08T08:00:00Z")), "04:00 EDT");
}

#[test]
fn holidays_close_the_whole_local_day() {
    let h = hours(
        "mon-fri 09:00-17:00",
        "2026-12-25, 2026-01-01",
        "Asia/Jakarta",
    );
    // Jakarta is UTC+7 all year. Thursday 2026-12-24 10:00 is a workday.
    assert!(h.is_open(ms("2026-12-24T03:00:00Z")));
    assert!(
        !h.is_open(ms("2026-12-25T03:00:00Z")),
        "Christmas, a Friday"
    );
    assert!(
        !h.is_open(ms("2026-01-01T03:00:00Z")),
        "New Year, a Thursday"
    );
    // Thursday 18:00 → Monday 09:00 (Friday closed, then the weekend).
    assert_eq!(
        h.next_open(ms("2026-12-24T11:00:00Z")),
        Some(ms("2026-12-28T02:00:00Z"))
    );
}

#[test]
fn no_schedule_is_always_open_except_closed_dates() {
    let h = hours("", "2026-05-01", "Europe/Berlin");
    assert!(!h.has_schedule());
    assert!(h.is_open(ms("2026-04-30T21:59:00Z")), "Apr 30 23:59 CEST");
    assert!(!h.is_open(ms("2026-04-30T22:00:00Z")), "May 1 00:00 CEST");
    assert_eq!(
        h.next_open(ms("2026-05-01T10:00:00Z")),
        Some(ms("2026-05-01T22:00:00Z")),
        "May 2 00:00 CEST"
    );
    let always = OfficeHours::default();
    assert!(always.is_open(0) && always.is_open(ms("2026-12-25T12:00:00Z")));
    assert_eq!(always.time_zone_name(), "UTC");
}

#[test]
fn ranges_past_midnight_belong_to_the_day_they_start() {
    let h = hours("fri 22:00-02:00", "", "UTC");
    // 2026-03-06 is a Friday.
    assert!(!h.is_open(ms("2026-03-06T21:59:00Z")));
    assert!(h.is_open(ms("2026-03-06T23:00:00Z")));
    assert!(h.is_open(ms("2026-03-07T01:59:00Z")), "early Saturday");
    assert!(!h.is_open(ms("2026-03-07T02:00:00Z")));
    assert!(!h.is_open(ms("2026-03-07T23:00:00Z")), "Saturday night");
    // A closed Friday takes its night shift with it.
    let h = hours("fri 22:00-02:00", "2026-03-06", "UTC");
    assert!(!h.is_open(ms("2026-03-07T01:00:00Z")));
}

#[test]
fn later_rules_replace_a_days_hours() {
    let h = hours(
        "mon-fri 09:00-17:00; fri 09:00-15:00; wed closed",
        "",
        "UTC",
    );
    // 2026-03-04 Wednesday, 03-05 Thursday, 03-06 Friday.
    assert!(!h.is_open(ms("2026-03-04T10:00:00Z")));
    assert!(h.is_open(ms("2026-03-05T16:00:00Z")));
    assert!(!h.is_open(ms("2026-03-06T16:00:00Z")));
    assert!(h.is_open(ms("2026-03-06T14:59:00Z")));
}

#[test]
fn several_ranges_a_day_and_whole_days() {
    let h = hours(
        "Mon 09:00-12:00, 13:00-17:00; SAT 24h; sun 18:00-24:00",
        "",
        "UTC",
    );
    // 2026-03-02 Monday: lunch is closed, and the office reopens at 13:00.
    let lunch = ms("2026-03-02T12:30:00Z");
    assert!(!h.is_open(lunch));
    assert_eq!(h.next_open(lunch), Some(ms("2026-03-02T13:00:00Z")));
    assert!(h.is_open(ms("2026-03-07T00:00:00Z")) && h.is_open(ms("2026-03-07T23:59:00Z")));
    assert!(
        h.is_open(ms("2026-03-08T23:59:59Z")),
        "Sunday until midnight"
    );
    assert!(!h.is_open(ms("2026-03-09T00:00:00Z")), "Monday 00:00");
    // Wrapping day ranges and full names.
    let h = hours("friday-monday 9:00-10:00", "", "UTC");
    assert!(h.is_open(ms("2026-03-08T09:30:00Z")), "Sunday");
    assert!(!h.is_open(ms("2026-03-04T09:30:00Z")), "Wednesday");
}

#[test]
fn never_open_has_no_next_opening() {
    let h = hours("daily closed", "", "UTC");
    let t = ms("2026-03-02T10:00:00Z");
    assert!(!h.is_open(t));
    assert_eq!(h.next_open(t), None);
    assert_eq!(h.due_in(t, 3_600_000), t + 3_600_000);
}

#[test]
fn local_date_follows_the_office_zone() {
    let jakarta = hours("", "", "Asia/Jakarta");
    assert_eq!(jakarta.local_date(ms("2026-03-09T18:00:00Z")), "2026-03-10");
    let ny = hours("", "", "america/new_york");
    assert_eq!(ny.time_zone_name(), "America/New_York");
    assert_eq!(ny.local_date(ms("2026-03-10T03:00:00Z")), "2026-03-09");
    assert_eq!(ny.local_date(ms("2026-03-10T04:00:00Z")), "2026-03-10");
}

#[test]
fn due_in_counts_calendar_days_then_waits_for_the_office() {
    const DAY: i64 = 24 * 3_600_000;
    // Always open: Saturday 16:00 EST + 1 day = Sunday 16:00 EDT, 23 h later.
    let ny = hours("", "", "America/New_York");
    let from = ms("2026-03-07T21:00:00Z");
    assert_eq!(ny.due_in(from, DAY), ms("2026-03-08T20:00:00Z"));
    // The part below a day is elapsed time.
    assert_eq!(
        ny.due_in(from, DAY + 90 * 60_000),
        ms("2026-03-08T21:30:00Z")
    );
    // Office hours: Friday 16:00 + 1 day is a closed Saturday, so the task
    // is due when the office opens on Monday (09:00 EDT).
    let office = hours("mon-fri 09:00-17:00", "", "America/New_York");
    assert_eq!(
        office.due_in(ms("2026-03-06T21:00:00Z"), DAY),
        ms("2026-03-09T13:00:00Z")
    );
    // Due inside office hours: unchanged.
    assert_eq!(
        office.due_in(ms("2026-03-09T14:00:00Z"), DAY),
        ms("2026-03-10T14:00:00Z")
    );
}

#[test]
fn extreme_instants_do_not_panic() {
    let h = hours("mon-fri 09:00-17:00", "2026-12-25", "Europe/Berlin");
    for t in [i64::MIN, -1, 0, i64::MAX] {
        let _ = h.is_open(t);
        let _ = h.local_date(t);
        let _ = h.next_open(t);
        let _ = h.due_in(t, i64::MAX);
        let _ = h.due_in(t, i64::MIN);
    }
}

#[test]
fn errors_name_the_variable_and_the_problem() {
    for (schedule, closed, tz, want) in [
        (
            "mon-fri",
            "",
            "UTC",
            "OFFICE_HOURS: rule `mon-fri` is not `DAYS HOURS`",
        ),
        (
            "mon-fri 9-17",
            "",
            "UTC",
            "OFFICE_HOURS: rule `mon-fri 9-17`: `9` is not a time",
        ),
        ("mon-fri 09:00", "", "UTC", "`09:00` is not a time range"),
        ("funday 09:00-17:00", "", "UTC", "`funday` is not a day"),
        (
            "mon 09:00-09:00",
            "",
            "UTC",
            "`09:00-09:00` is an empty range",
        ),
        ("mon 24:00-02:00", "", "UTC", "`24:00` is not a time"),
        ("mon 09:60-10:00", "", "UTC", "`09:60` is not a time"),
        ("mon 9:5-10:00", "", "UTC", "`9:5` is not a time"),
        ("mon 09:00-17:00 sat", "", "UTC", "is not `DAYS HOURS`"),
        (
            "",
            "2026-02-30",
            "UTC",
            "OFFICE_CLOSED_DATES: `2026-02-30` is not a calendar date",
        ),
        (
            "",
            "25/12/2026",
            "UTC",
            "OFFICE_CLOSED_DATES: `25/12/2026` is not a date",
        ),
        (
            "",
            "2026-1-05",
            "UTC",
            "`2026-1-05` is not a date (expected YYYY-MM-DD)",
        ),
        (
            "",
            "",
            "Mars/Olympus",
            "BATON_TIMEZONE: `Mars/Olympus` is not a known IANA time zone",
        ),
        ("", "", "+07:00", "BATON_TIMEZONE: `+07:00`"),
        ("", "", "Etc/Unknown", "BATON_TIMEZONE: `Etc/Unknown`"),
    ] {
        let err = OfficeHours::parse(schedule, closed, tz).expect_err(schedule);
        assert!(err.contains(want), "{schedule:?}/{closed:?}/{tz:?}: {err}");
    }
}

#[test]
fn blank_settings_and_display() {
    let h = hours("  ", " ", " ");
    assert_eq!(h.to_string(), "always open (UTC)");
    let h = hours(
        "mon-fri 09:00-17:00",
        "2026-12-25,2026-12-26",
        "Europe/Berlin",
    );
    assert_eq!(
        h.to_string(),
        "mon-fri 09:00-17:00 (Europe/Berlin), 2 closed date(s)"
    );
}

#[test]
fn the_time_zone_database_is_compiled_in() {
    // What a host without /usr/share/zoneinfo falls back to.
    let bundled = jiff::tz::TimeZoneDatabase::bundled();
    for name in ["America/New_York", "Europe/Berlin", "Asia/Jakarta"] {
        assert!(bundled.get(name).is_ok(), "{name} missing from the bundle");
    }
}

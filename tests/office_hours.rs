//! A bad office-hours setting stops the binary before it serves, naming the
//! variable; good ones show in `baton check`.

use std::process::Command;

fn baton_check(env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
    cmd.arg("check").env_clear().env("RUST_LOG", "off");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run baton");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn bad_office_settings_stop_startup_naming_each_variable() {
    let (ok, out) = baton_check(&[
        ("BATON_TIMEZONE", "Mars/Olympus"),
        ("OFFICE_HOURS", "mon-fri 9am-5pm"),
        ("OFFICE_CLOSED_DATES", "25.12.2026"),
    ]);
    assert!(!ok, "{out}");
    for line in [
        "- OFFICE_HOURS: rule `mon-fri 9am-5pm`: `9am` is not a time",
        "- OFFICE_CLOSED_DATES: `25.12.2026` is not a date",
        "- BATON_TIMEZONE: `Mars/Olympus` is not a known IANA time zone",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
}

#[test]
fn good_office_settings_show_in_check() {
    let (ok, out) = baton_check(&[
        ("BATON_TIMEZONE", "Asia/Jakarta"),
        ("OFFICE_HOURS", "mon-fri 09:00-17:00; sat 09:00-13:00"),
        ("OFFICE_CLOSED_DATES", "2026-12-25"),
    ]);
    assert!(ok, "{out}");
    assert!(
        out.contains(
            "office hours: mon-fri 09:00-17:00; sat 09:00-13:00 (Asia/Jakarta), 1 closed date(s)"
        ),
        "{out}"
    );
}

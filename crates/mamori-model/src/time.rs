//! Time zones. [`Zone`] is the one setting that says where the provider and its clients live:
//! calendar days of the roll-ups, months of the reports, quiet hours and the digest, and every
//! time a person reads on a page, in a notice or in a report. [`JST`] remains the offset
//! assumed for device lines that carry no zone of their own.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// UTC+09:00.
pub const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("+09:00 is a valid offset"),
};

/// The site's time zone, an IANA name such as `Asia/Tokyo` (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Zone(Tz);

impl Default for Zone {
    fn default() -> Self {
        Zone(Tz::Asia__Tokyo)
    }
}

/// A time zone name that is not in the IANA database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a time zone name like Asia/Tokyo")]
pub struct UnknownZone(pub String);

impl FromStr for Zone {
    type Err = UnknownZone;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        name.trim()
            .parse::<Tz>()
            .map(Zone)
            .map_err(|_| UnknownZone(name.to_owned()))
    }
}

impl TryFrom<String> for Zone {
    type Error = UnknownZone;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        name.parse()
    }
}

impl From<Zone> for String {
    fn from(zone: Zone) -> Self {
        zone.0.name().to_owned()
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

impl Zone {
    /// The zone for chrono's calendar arithmetic.
    pub fn tz(self) -> Tz {
        self.0
    }

    /// Whether this is Japan's zone (Japanese text then says 「日本時間」).
    pub fn is_japan(self) -> bool {
        self.0 == Tz::Asia__Tokyo
    }

    /// `at` on this zone's clock.
    pub fn local(self, at: DateTime<Utc>) -> DateTime<Tz> {
        at.with_timezone(&self.0)
    }

    /// Unix time `ts` on this zone's clock (the epoch for a time chrono cannot hold).
    pub fn local_ts(self, ts: i64) -> DateTime<Tz> {
        self.local(DateTime::from_timestamp(ts, 0).unwrap_or_default())
    }

    /// The first moment of `date` here, as Unix seconds. Where a clock change skips midnight,
    /// the day starts at the first time that exists.
    pub fn midnight(self, date: NaiveDate) -> i64 {
        let mut at: NaiveDateTime = date.and_time(chrono::NaiveTime::MIN);
        for _ in 0..24 {
            if let Some(t) = self.0.from_local_datetime(&at).earliest() {
                return t.timestamp();
            }
            at += chrono::Duration::hours(1);
        }
        // No zone skips a whole day's first 24 hours; read the date as UTC then.
        date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()
    }

    /// The start (Unix seconds) of the local calendar day holding `ts`.
    pub fn day_start(self, ts: i64) -> i64 {
        self.midnight(self.local_ts(ts).date_naive())
    }

    /// The start of the local day after the one starting at `day` (not always 24 hours on,
    /// where clocks change).
    pub fn next_day(self, day: i64) -> i64 {
        let date = self.local_ts(day).date_naive();
        date.succ_opt()
            .map(|next| self.midnight(next))
            .unwrap_or(day + 86_400)
    }

    /// A local date and time as a form's `datetime-local` field sends it (`2026-12-07T14:30`,
    /// seconds allowed) read on this zone's clock, as Unix seconds; `None` when it is not one.
    pub fn parse_local(self, text: &str) -> Option<i64> {
        let text = text.trim();
        let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
            .ok()?;
        self.0
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.timestamp())
    }

    /// Unix time `ts` as a `datetime-local` field shows it (`2026-12-07T14:30`).
    pub fn local_input(self, ts: i64) -> String {
        self.local_ts(ts).format("%Y-%m-%dT%H:%M").to_string()
    }

    /// The local date of Unix time `ts`.
    pub fn date(self, ts: i64) -> NaiveDate {
        self.local_ts(ts).date_naive()
    }

    /// Today's local date.
    pub fn today(self) -> NaiveDate {
        self.date(chrono::Utc::now().timestamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokyo_days_start_at_midnight_japan_time() {
        let zone = Zone::default();
        // 2026-11-22 00:00 JST is 2026-11-21 15:00 UTC.
        let midnight = 1_795_273_200;
        assert_eq!(zone.day_start(midnight), midnight);
        assert_eq!(zone.day_start(midnight + 86_399), midnight);
        assert_eq!(zone.day_start(midnight - 1), midnight - 86_400);
        assert_eq!(zone.next_day(midnight), midnight + 86_400);
        assert!(zone.is_japan());
    }

    #[test]
    fn days_follow_summer_time_where_the_zone_has_it() {
        let berlin: Zone = "Europe/Berlin".parse().expect("zone");
        // 2026-03-29 is 23 hours long in Berlin, 2026-10-25 is 25.
        let spring = berlin.midnight(NaiveDate::from_ymd_opt(2026, 3, 29).expect("date"));
        assert_eq!(berlin.next_day(spring) - spring, 23 * 3600);
        let autumn = berlin.midnight(NaiveDate::from_ymd_opt(2026, 10, 25).expect("date"));
        assert_eq!(berlin.next_day(autumn) - autumn, 25 * 3600);
        assert_eq!(berlin.day_start(autumn + 24 * 3600), autumn);
    }

    #[test]
    fn form_times_are_read_on_the_site_clock() {
        let tokyo = Zone::default();
        let at = tokyo.parse_local("2026-11-22T09:30").expect("a time");
        assert_eq!(at, 1_795_273_200 + 9 * 3600 + 30 * 60);
        assert_eq!(tokyo.local_input(at), "2026-11-22T09:30");
        assert!(tokyo.parse_local("tomorrow").is_none());
        assert!(tokyo.parse_local("").is_none());
    }

    #[test]
    fn names_are_read_and_written_as_iana_names() {
        let zone: Zone = serde_json::from_str("\"America/New_York\"").expect("zone");
        assert_eq!(
            serde_json::to_string(&zone).expect("json"),
            "\"America/New_York\""
        );
        assert!(serde_json::from_str::<Zone>("\"Mars/Olympus\"").is_err());
        assert_eq!(
            "Tokyo".parse::<Zone>().unwrap_err().to_string(),
            "\"Tokyo\" is not a time zone name like Asia/Tokyo"
        );
    }
}

//! Calendar months in the report's time zone: which month a report covers, where it starts
//! and ends, and its days.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate};
use mamori_model::Zone;

/// One calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// The year.
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

/// The text is not a month of the form `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a month: write it as YYYY-MM, for example 2026-11")]
pub struct BadMonth(pub String);

impl FromStr for Month {
    type Err = BadMonth;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadMonth(s.to_owned());
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        let (year, month) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if y.len() != 4 || m.len() != 2 || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Month {
    /// The month holding the instant `ts` (Unix seconds) in `zone`.
    pub fn containing(ts: i64, zone: Zone) -> Month {
        let local = zone.date(ts);
        Month {
            year: local.year(),
            month: local.month(),
        }
    }

    /// The month before.
    pub fn previous(self) -> Month {
        match self.month {
            1 => Month {
                year: self.year - 1,
                month: 12,
            },
            m => Month {
                year: self.year,
                month: m - 1,
            },
        }
    }

    /// The month after.
    pub fn next(self) -> Month {
        match self.month {
            12 => Month {
                year: self.year + 1,
                month: 1,
            },
            m => Month {
                year: self.year,
                month: m + 1,
            },
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day() - Duration::days(1)
    }

    /// Every day of the month, in order.
    pub fn days(self) -> Vec<NaiveDate> {
        self.first_day()
            .iter_days()
            .take_while(|d| *d <= self.last_day())
            .collect()
    }

    /// `[start, end)` in Unix seconds: local midnight of the first day to local midnight of
    /// the next month's first day.
    pub fn bounds(self, zone: Zone) -> (i64, i64) {
        (
            zone.midnight(self.first_day()),
            zone.midnight(self.next().first_day()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_step() {
        let m: Month = "2026-01".parse().unwrap();
        assert_eq!(m.previous().to_string(), "2025-12");
        assert_eq!(m.next().to_string(), "2026-02");
        assert_eq!("2026-02".parse::<Month>().unwrap().days().len(), 28);
        assert_eq!("2028-02".parse::<Month>().unwrap().days().len(), 29);
        for bad in ["2026-13", "2026-1", "26-01", "november", "2026-00"] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bounds_are_local_midnights() {
        let tokyo = Zone::default();
        let (from, to) = "2026-11".parse::<Month>().unwrap().bounds(tokyo);
        // 2026-11-01 00:00 JST = 2026-10-31 15:00 UTC.
        assert_eq!(from, 1_793_458_800);
        assert_eq!(to - from, 30 * 86_400);
        assert_eq!(Month::containing(from, tokyo).to_string(), "2026-11");
        assert_eq!(Month::containing(from - 1, tokyo).to_string(), "2026-10");
    }
}

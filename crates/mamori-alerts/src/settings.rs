//! How the alerting stage behaves: grouping window, retry schedule, the provider's clock
//! (quiet hours and the daily digest), and where links in notifications point.

use std::time::Duration;

use crate::promote::AlertingRules;
use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use mamori_model::Zone;

/// Settings of the alerting stage.
#[derive(Debug, Clone)]
pub struct AlertSettings {
    /// How detections are grouped into alerts.
    pub rules: AlertingRules,
    /// Waits between attempts of a failing notification; after the last one it gives up
    /// (and an alert tells the provider).
    pub retry_delays: Vec<Duration>,
    /// The site's time zone: the clock of quiet hours and the digest.
    pub zone: Zone,
    /// When the daily digest goes out, on the provider's clock.
    pub digest_time: NaiveTime,
    /// The address people reach mamori at, for links in notifications.
    pub public_url: Option<String>,
    /// How often the queue is looked at when nothing wakes the workers.
    pub poll: Duration,
    /// How long one delivery may take before it counts as failed.
    pub send_timeout: Duration,
    /// Notifications sent at the same time at most.
    pub max_in_flight: usize,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            rules: AlertingRules::default(),
            retry_delays: [10, 30, 120, 600, 1800, 3600]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            zone: Zone::default(),
            digest_time: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            public_url: None,
            poll: Duration::from_millis(200),
            send_timeout: Duration::from_secs(30),
            max_in_flight: 8,
        }
    }
}

impl AlertSettings {
    /// Minutes after local midnight at `at` on the provider's clock.
    pub fn local_minutes(&self, at: DateTime<Utc>) -> i64 {
        let t = self.zone.local(at).time();
        i64::from(chrono::Timelike::hour(&t)) * 60 + i64::from(chrono::Timelike::minute(&t))
    }

    /// When quiet hours `(start, end)` (minutes after midnight, may cross midnight) that
    /// contain `at` end; `None` when `at` is outside them.
    pub fn quiet_until(&self, quiet: (i64, i64), at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (start, end) = quiet;
        let now = self.local_minutes(at);
        let inside = if start < end {
            now >= start && now < end
        } else {
            now >= start || now < end
        };
        if !inside {
            return None;
        }
        let wait = (end - now).rem_euclid(1440);
        let at_minute = at - chrono::Duration::seconds(i64::from(chrono::Timelike::second(&at)));
        Some(at_minute + chrono::Duration::minutes(wait))
    }

    /// The latest digest time at or before `at`.
    pub fn last_digest_time(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let today = self.zone.local(at).date_naive().and_time(self.digest_time);
        let candidate = self
            .zone
            .tz()
            .from_local_datetime(&today)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(at);
        if candidate <= at {
            candidate
        } else {
            candidate - chrono::Duration::days(1)
        }
    }

    /// The wait before attempt number `attempts + 1`, or `None` when it is time to give up.
    pub fn retry_after(&self, attempts: i64) -> Option<Duration> {
        usize::try_from(attempts)
            .ok()
            .and_then(|i| self.retry_delays.get(i))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-22 at `hour:minute` in Japan.
    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        AlertSettings::default()
            .zone
            .tz()
            .with_ymd_and_hms(2026, 11, 22, hour, minute, 0)
            .single()
            .expect("valid time")
            .with_timezone(&Utc)
    }

    #[test]
    fn quiet_hours_across_midnight_end_in_the_morning() {
        let s = AlertSettings::default();
        let night = (22 * 60, 7 * 60);
        let until = s.quiet_until(night, at(23, 30)).expect("inside");
        assert_eq!(s.local_minutes(until), 7 * 60);
        assert!(until > at(23, 30));
        assert!(s.quiet_until(night, at(12, 0)).is_none());
        assert_eq!(
            s.local_minutes(s.quiet_until(night, at(3, 15)).expect("inside")),
            7 * 60
        );
        let lunch = (12 * 60, 13 * 60);
        assert!(s.quiet_until(lunch, at(12, 59)).is_some());
        assert!(s.quiet_until(lunch, at(13, 0)).is_none());
    }

    #[test]
    fn digest_time_is_the_latest_eight_o_clock() {
        let s = AlertSettings::default();
        let morning = s.last_digest_time(at(9, 0));
        assert_eq!(s.local_minutes(morning), 8 * 60);
        assert!(morning <= at(9, 0));
        let before = s.last_digest_time(at(7, 0));
        assert_eq!(morning - before, chrono::Duration::days(1));
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        let s = AlertSettings::default();
        assert_eq!(s.retry_after(0), Some(Duration::from_secs(10)));
        assert_eq!(s.retry_after(5), Some(Duration::from_secs(3600)));
        assert_eq!(s.retry_after(6), None);
    }
}

//! Japan Standard Time, the clock mamori assumes where nothing else is said: device lines
//! without a zone, Japanese notices, the alerting stage's default day. Japan has no summer
//! time, so a fixed offset is exact.

use chrono::FixedOffset;

/// UTC+09:00.
pub const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("+09:00 is a valid offset"),
};

//! The hash for the detector's fixed look-up tables (field names, log-source values, rule
//! ids): std's SipHash cost more than the look-ups themselves on the network path, where
//! every field of every event is looked up. foldhash's fast hasher is several times cheaper
//! and still seeded per process; tables keyed by event values keep std's hasher.

use std::collections::HashMap;

/// A [`HashMap`] with foldhash's fast hasher.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

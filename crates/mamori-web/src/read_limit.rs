//! A per-organisation limit on expensive reads (event, detection and alert lists). Without it
//! one owner's script hammering a large organisation's searches could take the database from
//! every other tenant and from ingest; with it, extra requests are refused at once with 429
//! and `Retry-After`, and everyone else's reads and ingest go on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Expensive reads one organisation may have running at the same time.
pub const READS_PER_ORGANISATION: usize = 4;

/// The running expensive reads, per organisation.
#[derive(Debug)]
pub struct ReadLimiter {
    per_org: usize,
    slots: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl ReadLimiter {
    /// A limiter allowing `per_org` concurrent expensive reads per organisation.
    pub fn new(per_org: usize) -> Self {
        ReadLimiter {
            per_org: per_org.max(1),
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// A slot for one read of organisation `org_id`, held until dropped; `None` when the
    /// organisation already has its limit running.
    pub fn try_start(&self, org_id: &str) -> Option<OwnedSemaphorePermit> {
        let semaphore = self
            .slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(org_id.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_org)))
            .clone();
        semaphore.try_acquire_owned().ok()
    }
}

impl Default for ReadLimiter {
    fn default() -> Self {
        ReadLimiter::new(READS_PER_ORGANISATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_organisation_has_its_own_slots() {
        let limiter = ReadLimiter::new(2);
        let first = limiter.try_start("big");
        let second = limiter.try_start("big");
        assert!(first.is_some() && second.is_some());
        assert!(limiter.try_start("big").is_none(), "the third waits");
        assert!(
            limiter.try_start("small").is_some(),
            "neighbours are not affected"
        );
        drop(first);
        assert!(
            limiter.try_start("big").is_some(),
            "a finished read frees its slot"
        );
    }
}

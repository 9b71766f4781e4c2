//! Anonymous comparison with similar companies: summary statistics of peers' latest totals,
//! shown only when enough companies contribute that no single one can be recognised.

use serde::{Deserialize, Serialize};

/// Fewest peer results that may be summarised (mamori's design decision, DOMAIN §5.3).
pub const MIN_PEERS: usize = 5;

/// Summary of peers' scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PeerStats {
    /// How many results were summarised.
    pub count: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Population standard deviation (divides by `count`, not `count - 1`), because the peers
    /// are the whole group being compared with, not a sample of a larger one.
    pub sd: f64,
    /// Lowest score.
    pub min: f64,
    /// First quartile.
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub q3: f64,
    /// Highest score.
    pub max: f64,
}

impl PeerStats {
    /// Summarises `samples`, or `None` when fewer than [`MIN_PEERS`] usable values remain.
    /// Values that are not finite (NaN, infinity) are ignored.
    ///
    /// Quartiles use linear interpolation between the closest ranks: the p-quantile of the n
    /// sorted values sits at position p·(n−1) counted from 0. This is Excel's `QUARTILE.INC`,
    /// R's type 7 and NumPy's default, so figures match what users get in a spreadsheet.
    pub fn from_samples(samples: &[f64]) -> Option<PeerStats> {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
        if sorted.len() < MIN_PEERS {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let count = sorted.len();
        let n = count as f64;
        let mean = sorted.iter().sum::<f64>() / n;
        let variance = sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        Some(PeerStats {
            count,
            mean,
            sd: variance.sqrt(),
            min: sorted[0],
            q1: quantile(&sorted, 0.25),
            median: quantile(&sorted, 0.5),
            q3: quantile(&sorted, 0.75),
            max: sorted[count - 1],
        })
    }

    /// The deviation score (偏差値) of `own` among the peers: `(own − mean) / sd × 10 + 50`,
    /// the formula IPA's older benchmark tool used. 50 when every peer has the same score.
    pub fn deviation_score(&self, own: f64) -> f64 {
        if self.sd == 0.0 {
            return 50.0;
        }
        (own - self.mean) / self.sd * 10.0 + 50.0
    }
}

/// The `p`-quantile of non-empty `sorted` values by linear interpolation (see `from_samples`).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let position = p * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn fewer_than_five_peers_give_nothing() {
        assert_eq!(PeerStats::from_samples(&[]), None);
        assert_eq!(PeerStats::from_samples(&[10.0, 20.0, 30.0, 40.0]), None);
        assert_eq!(
            PeerStats::from_samples(&[1.0, 2.0, 3.0, 4.0, f64::NAN]),
            None
        );
        assert!(PeerStats::from_samples(&[1.0, 2.0, 3.0, 4.0, 5.0]).is_some());
    }

    #[test]
    fn five_values_have_textbook_statistics() {
        let s = PeerStats::from_samples(&[5.0, 1.0, 4.0, 2.0, 3.0]).unwrap();
        assert_eq!(s.count, 5);
        assert!(close(s.mean, 3.0));
        assert!(close(s.sd, 2f64.sqrt()));
        assert_eq!(
            (s.min, s.q1, s.median, s.q3, s.max),
            (1.0, 2.0, 3.0, 4.0, 5.0)
        );
        assert!(close(s.deviation_score(3.0), 50.0));
        assert!(close(
            s.deviation_score(5.0),
            2.0 / 2f64.sqrt() * 10.0 + 50.0
        ));
    }

    #[test]
    fn even_count_interpolates_quartiles() {
        let s = PeerStats::from_samples(&[10.0, 20.0, 30.0, 40.0, 50.0, 60.0]).unwrap();
        assert_eq!((s.q1, s.median, s.q3), (22.5, 35.0, 47.5));
    }

    #[test]
    fn equal_scores_give_deviation_50() {
        let s = PeerStats::from_samples(&[60.0; 7]).unwrap();
        assert_eq!(s.sd, 0.0);
        assert_eq!(s.deviation_score(100.0), 50.0);
    }

    proptest! {
        #[test]
        fn statistics_are_ordered(samples in proptest::collection::vec(-25.0f64..=100.0, 5..60)) {
            let s = PeerStats::from_samples(&samples).unwrap();
            prop_assert!(s.min <= s.q1 && s.q1 <= s.median && s.median <= s.q3 && s.q3 <= s.max);
            prop_assert!(s.min <= s.mean + 1e-9 && s.mean <= s.max + 1e-9);
            prop_assert!(s.sd >= 0.0);
            prop_assert!(close(s.deviation_score(s.mean), 50.0));
        }
    }
}

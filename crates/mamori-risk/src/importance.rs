//! How important an information asset is, on the ledger's three levels (0, 1, 2).
//!
//! The guideline judges importance "in three levels from C, I and A" without saying how;
//! every worked example of the ledger is the highest of the three, and its e-mail row says
//! to rate mixed contents at the highest value. mamori therefore takes the maximum, and
//! raises an asset holding sensitive personal information or My Number to 2, because
//! their leak is reportable and the harm to the people concerned is severe (mamori's own
//! decision, DOMAIN.md section 5). A company may set its own value with a reason.

use mamori_model::InformationAsset;

/// The highest level of C, I, A and importance.
pub const HIGHEST: u8 = 2;

/// The importance mamori computes for `asset`, ignoring any value set by hand.
pub fn computed_importance(asset: &InformationAsset) -> u8 {
    let most = asset
        .confidentiality
        .max(asset.integrity)
        .max(asset.availability)
        .min(HIGHEST);
    if asset.sensitive || asset.my_number {
        HIGHEST
    } else {
        most
    }
}

/// The importance that counts: the company's own value when it set one, else the computed.
pub fn importance(asset: &InformationAsset) -> u8 {
    asset
        .importance_override
        .unwrap_or_else(|| computed_importance(asset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(c: u8, i: u8, a: u8) -> InformationAsset {
        InformationAsset {
            name: "x".into(),
            confidentiality: c,
            integrity: i,
            availability: a,
            ..InformationAsset::default()
        }
    }

    #[test]
    fn the_guideline_s_worked_rows_are_the_highest_of_c_i_a() {
        // The ledger's examples: staff register, health checks, payroll, invoices, e-mail.
        for (c, i, a, expected) in [(2, 0, 0, 2), (2, 2, 1, 2), (1, 1, 1, 1), (2, 2, 2, 2)] {
            assert_eq!(
                computed_importance(&asset(c, i, a)),
                expected,
                "{c}/{i}/{a}"
            );
        }
        assert_eq!(computed_importance(&asset(0, 0, 0)), 0);
    }

    #[test]
    fn sensitive_personal_information_and_my_number_make_an_asset_important() {
        let mut health = asset(1, 0, 0);
        assert_eq!(computed_importance(&health), 1);
        health.sensitive = true;
        assert_eq!(computed_importance(&health), 2);
        let mut payroll = asset(0, 1, 0);
        payroll.my_number = true;
        assert_eq!(computed_importance(&payroll), 2);
        let mut list = asset(1, 0, 0);
        list.personal = true;
        assert_eq!(
            computed_importance(&list),
            1,
            "personal information alone does not raise it"
        );
    }

    #[test]
    fn a_value_set_by_hand_counts_over_the_computed_one() {
        let mut a = asset(2, 0, 0);
        a.importance_override = Some(1);
        assert_eq!((computed_importance(&a), importance(&a)), (2, 1));
    }
}

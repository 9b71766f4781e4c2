//! Structure checks shared by the catalog files, run once when the embedded data is loaded.
//! They check shape (numbering, grouping); the exact numbers of an edition are unit tests.

use std::collections::BTreeSet;

/// Checks that `numbers`, in file order, run 1, 2, … without gaps.
pub(crate) fn check_numbering(what: &str, numbers: impl Iterator<Item = u8>) -> Result<(), String> {
    for (expected, number) in (1u8..).zip(numbers) {
        if number != expected {
            return Err(format!(
                "{what} must be numbered 1, 2, … in order; found {number} where {expected} was expected"
            ));
        }
    }
    Ok(())
}

/// Checks that every item names a known group, that each group's items are contiguous, that
/// groups come in the listed order, and that no group is empty. `items` are (number, group id)
/// in file order.
pub(crate) fn check_groups<'a>(
    group_ids: &[&str],
    items: impl Iterator<Item = (u8, &'a str)>,
) -> Result<(), String> {
    let mut current = 0usize;
    let mut seen = BTreeSet::new();
    for (number, group) in items {
        let Some(index) = group_ids.iter().position(|id| *id == group) else {
            return Err(format!(
                "item {number}: unknown group '{group}' (known: {})",
                group_ids.join(", ")
            ));
        };
        if index < current {
            return Err(format!(
                "item {number}: group '{group}' must come before the items of '{}'",
                group_ids[current]
            ));
        }
        current = index;
        seen.insert(index);
    }
    match (0..group_ids.len()).find(|i| !seen.contains(i)) {
        Some(empty) => Err(format!("group '{}' has no items", group_ids[empty])),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_must_be_consecutive() {
        assert!(check_numbering("items", [1, 2, 3].into_iter()).is_ok());
        let err = check_numbering("items", [1, 3].into_iter()).unwrap_err();
        assert!(err.contains("found 3 where 2"), "{err}");
    }

    #[test]
    fn groups_must_be_known_ordered_and_used() {
        let ids = ["a", "b"];
        assert!(check_groups(&ids, [(1, "a"), (2, "b")].into_iter()).is_ok());
        assert!(
            check_groups(&ids, [(1, "a"), (2, "c")].into_iter())
                .unwrap_err()
                .contains("unknown group")
        );
        assert!(
            check_groups(&ids, [(1, "b"), (2, "a")].into_iter())
                .unwrap_err()
                .contains("must come before")
        );
        assert!(
            check_groups(&ids, [(1, "a")].into_iter())
                .unwrap_err()
                .contains("'b' has no items")
        );
    }
}

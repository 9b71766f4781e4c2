//! Where a newest-first list stopped, so the next page starts right after it (keyset
//! paging). Skipping rows by offset makes the database step over every earlier row on each
//! request; a position lets it seek straight to the next one through the `(org_id, ts_us, id)`
//! index, so page 1,000 costs what page 1 does.

use std::fmt;
use std::str::FromStr;

use sqlx::AnyPool;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::StoreError;
use crate::events::{bounded_count_sql, capped_total};
use crate::sql::Conditions;

/// The last row of a page in `ts_us DESC, id DESC` order. Its text form (`Display`/`FromStr`)
/// is the cursor the API and pages hand back; callers treat it as opaque.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPosition {
    /// The row's time in microseconds.
    pub ts_us: i64,
    /// The row's identifier, breaking ties between rows of the same time.
    pub id: String,
}

/// A cursor that is not one mamori handed out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a list cursor")]
pub struct BadCursor;

impl fmt::Display for ListPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.ts_us, self.id)
    }
}

/// Serialised as its cursor text.
impl serde::Serialize for ListPosition {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromStr for ListPosition {
    type Err = BadCursor;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (ts, id) = s.trim().split_once('_').ok_or(BadCursor)?;
        let ts_us = ts.parse().map_err(|_| BadCursor)?;
        let plausible_id = !id.is_empty()
            && id.len() <= 64
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !plausible_id {
            return Err(BadCursor);
        }
        Ok(ListPosition {
            ts_us,
            id: id.to_owned(),
        })
    }
}

impl ListPosition {
    /// Adds "rows after this position" to `conditions`, for table alias `table` whose time
    /// column is `ts_us`.
    pub(crate) fn restrict(&self, conditions: &mut Conditions, table: &str) {
        self.restrict_on(
            conditions,
            &format!("{table}.ts_us"),
            &format!("{table}.id"),
        );
    }

    /// Adds "rows after this position" for a list ordered by `time_column DESC, id_column DESC`.
    pub(crate) fn restrict_on(
        &self,
        conditions: &mut Conditions,
        time_column: &str,
        id_column: &str,
    ) {
        conditions.pair(
            // A row-value comparison, which both databases turn into an index seek (an `OR`
            // of the two cases is only a filter to PostgreSQL, read row by row).
            &format!("({time_column}, {id_column}) < ({{n}}, {{t}})"),
            self.ts_us,
            &self.id,
        );
    }
}

/// The position to continue from when a page came back full: fetching one row more than
/// asked tells whether anything follows, without counting. Drops that extra row.
fn next_position<T>(
    rows: &mut Vec<T>,
    limit: i64,
    position: impl Fn(&T) -> ListPosition,
) -> Option<ListPosition> {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() <= limit {
        return None;
    }
    rows.truncate(limit);
    rows.last().map(position)
}

/// How to read one newest-first list: its table, its page query, its rows and where each
/// row stands.
pub(crate) struct ListQuery<'a, T> {
    /// The table and alias the conditions speak of (`events e`), for the total.
    pub table: &'a str,
    /// The page's SQL over the conditions; the row count and offset are bound after them.
    pub page_sql: &'a (dyn Fn(&Conditions) -> String + Sync),
    /// Narrows the conditions to the rows after a position.
    pub restrict: &'a (dyn Fn(&ListPosition, &mut Conditions) + Sync),
    /// Reads one row.
    pub from_row: fn(&AnyRow) -> Result<T, StoreError>,
    /// Where a row stands in the list.
    pub position: fn(&T) -> ListPosition,
}

/// One page of a list.
pub(crate) struct ListPage<T> {
    /// Every match, counted up to [`crate::COUNT_BOUND`].
    pub total: i64,
    /// True when there are more matches than the bound.
    pub total_capped: bool,
    /// This page.
    pub rows: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<ListPosition>,
}

/// Reads one page of `query` over `conditions`: the bounded total of every match (the
/// position does not narrow it), then up to `limit` rows after `after`, skipping `offset`.
pub(crate) async fn read_page<T>(
    pool: &AnyPool,
    mut conditions: Conditions,
    query: ListQuery<'_, T>,
    after: Option<&ListPosition>,
    limit: i64,
    offset: i64,
) -> Result<ListPage<T>, StoreError> {
    let counted: i64 = conditions
        .query(bounded_count_sql(&format!(
            "{} WHERE {}",
            query.table,
            conditions.sql()
        )))
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    let (total, total_capped) = capped_total(counted);
    if let Some(after) = after {
        (query.restrict)(after, &mut conditions);
    }
    let limit = limit.clamp(1, 1000);
    let found = conditions
        .query((query.page_sql)(&conditions))
        .bind(limit + 1)
        .bind(offset.max(0))
        .fetch_all(pool)
        .await?;
    let mut rows = found
        .iter()
        .map(query.from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let next = next_position(&mut rows, limit, query.position);
    Ok(ListPage {
        total,
        total_capped,
        rows,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_and_refuse_anything_else() {
        let position = ListPosition {
            ts_us: -5_000_000,
            id: "01a24dca-eca8-749d-98c9-1806e8f10f1b".into(),
        };
        assert_eq!(position.to_string().parse(), Ok(position));
        for bad in ["", "12", "x_abc", "12_", "12_a b", "12_a'--"] {
            assert_eq!(bad.parse::<ListPosition>(), Err(BadCursor), "{bad}");
        }
    }

    #[test]
    fn a_full_page_says_where_to_go_on() {
        let at = |n: &i64| ListPosition {
            ts_us: *n,
            id: n.to_string(),
        };
        let mut rows = vec![5, 4, 3];
        assert_eq!(next_position(&mut rows, 2, at), Some(at(&4)));
        assert_eq!(rows, [5, 4]);
        let mut rows = vec![5, 4];
        assert_eq!(next_position(&mut rows, 2, at), None);
    }
}

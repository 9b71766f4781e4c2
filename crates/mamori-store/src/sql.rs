//! A `WHERE` clause assembled from optional filters, with its bound values in order, so
//! list queries with many optional filters are written once for both backends.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe};

enum Bound {
    Text(String),
    Number(i64),
}

/// Conditions joined with `AND`, numbered `$1`, `$2` … in the order they were added.
#[derive(Default)]
pub(crate) struct Conditions {
    clauses: Vec<String>,
    values: Vec<Bound>,
}

impl Conditions {
    /// Adds `prefix` followed by a placeholder bound to `value` (`"d.level = "`).
    pub(crate) fn text(&mut self, prefix: &str, value: &str) {
        self.values.push(Bound::Text(value.to_owned()));
        self.clauses.push(format!("{prefix}${}", self.values.len()));
    }

    /// Adds `prefix` followed by a placeholder bound to `value`.
    pub(crate) fn number(&mut self, prefix: &str, value: i64) {
        self.values.push(Bound::Number(value));
        self.clauses.push(format!("{prefix}${}", self.values.len()));
    }

    /// Adds a condition without a value (a fixed comparison written by mamori).
    pub(crate) fn raw(&mut self, clause: &str) {
        self.clauses.push(clause.to_owned());
    }

    /// The conditions as SQL (`1 = 1` when there are none).
    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1 = 1".to_owned()
        } else {
            self.clauses.join(" AND ")
        }
    }

    /// The number of the next placeholder, for values the caller binds after these.
    pub(crate) fn next_index(&self) -> usize {
        self.values.len() + 1
    }

    /// `sql` with the conditions' values bound; bind any later placeholders on the result.
    pub(crate) fn query(&self, sql: String) -> Query<'_, Any, AnyArguments> {
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for value in &self.values {
            query = match value {
                Bound::Text(t) => query.bind(t.as_str()),
                Bound::Number(n) => query.bind(*n),
            };
        }
        query
    }
}

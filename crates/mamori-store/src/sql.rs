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

    /// Adds `clause`, in which every `{v}` stands for `value`.
    pub(crate) fn clause(&mut self, clause: &str, value: &str) {
        self.values.push(Bound::Text(value.to_owned()));
        let n = self.values.len();
        self.clauses.push(clause.replace("{v}", &format!("${n}")));
    }

    /// Adds `clause`, in which every `{n}` stands for `number` and every `{t}` for `text`.
    pub(crate) fn pair(&mut self, clause: &str, number: i64, text: &str) {
        self.values.push(Bound::Number(number));
        self.values.push(Bound::Text(text.to_owned()));
        let n = self.values.len();
        let clause = clause
            .replace("{n}", &format!("${}", n - 1))
            .replace("{t}", &format!("${n}"));
        self.clauses.push(clause);
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

/// How the database would run `sql` over `conditions` (with two more values bound after
/// them, as list pages bind their row count and offset), one plan line per entry. On
/// PostgreSQL, sequential scans and sorts are priced out first, so a plan that still has one
/// means no index can serve the query; an empty test table would otherwise always be scanned.
#[cfg(test)]
pub(crate) async fn plan(store: &crate::Store, conditions: &Conditions, sql: &str) -> Vec<String> {
    use sqlx::Row;
    let mut conn = store.pool.acquire().await.expect("connection");
    let explain = match store.backend {
        crate::Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
        crate::Backend::Postgres => {
            for setting in ["SET enable_seqscan = off", "SET enable_sort = off"] {
                sqlx::query(setting)
                    .execute(&mut *conn)
                    .await
                    .expect("planner setting");
            }
            format!("EXPLAIN {sql}")
        }
    };
    let rows = conditions
        .query(explain)
        .bind(10_i64)
        .bind(0_i64)
        .fetch_all(&mut *conn)
        .await
        .expect("plan");
    let column = match store.backend {
        crate::Backend::Sqlite => 3,
        crate::Backend::Postgres => 0,
    };
    rows.iter()
        .map(|r| r.try_get::<String, _>(column).expect("plan line"))
        .collect()
}

/// The plan problems that make a list slow on a large organisation: reading the whole table,
/// or sorting the matches (even partly) instead of reading them in order from an index.
#[cfg(test)]
pub(crate) fn plan_problems(plan: &[String], table: &str, alias: &str) -> Vec<String> {
    plan.iter()
        .filter(|line| {
            let line = line.trim_start_matches([' ', '-', '>']);
            line == format!("SCAN {alias}")
                || line.starts_with(&format!("Seq Scan on {table}"))
                || line.contains("TEMP B-TREE")
                || line.starts_with("Sort ")
                || line.starts_with("Incremental Sort ")
        })
        .cloned()
        .collect()
}

/// True when the plan goes straight to a list position through the index, rather than
/// reading every newer row and dropping it.
#[cfg(test)]
pub(crate) fn seeks_position(plan: &[String]) -> bool {
    plan.iter().any(|line| {
        line.contains("(ts_us,id)<")
            || line.contains("(last_seen_us,id)<")
            || (line.contains("Index Cond")
                && (line.contains("ROW(ts_us, id)") || line.contains("ROW(last_seen_us, id)")))
    })
}

/// Where list-plan tests continue from: the first page, and a page after some position.
#[cfg(test)]
pub(crate) fn test_positions() -> [Option<crate::ListPosition>; 2] {
    [
        None,
        Some(crate::ListPosition {
            ts_us: 5,
            id: "x".into(),
        }),
    ]
}

/// One list-plan case per filter and position: its label, its conditions (`build`, then the
/// position on table alias `alias`), and whether the plan must seek the position (`seeks`).
#[cfg(test)]
pub(crate) fn test_cases<F: std::fmt::Debug>(
    filters: &[F],
    alias: &str,
    build: impl Fn(&F) -> Conditions,
    seeks: impl Fn(&F) -> bool,
) -> Vec<(String, Conditions, bool)> {
    let mut cases = Vec::new();
    for filter in filters {
        for after in test_positions() {
            let mut c = build(filter);
            if let Some(after) = &after {
                after.restrict(&mut c, alias);
            }
            let seek = after.is_some() && seeks(filter);
            cases.push((format!("{filter:?} after {after:?}"), c, seek));
        }
    }
    cases
}

/// Checks on every test database that each case's list query (`page` over its conditions)
/// reads `table` (alias `alias`) in order from an index, and, for cases marked so, goes
/// straight to the position through it.
#[cfg(test)]
pub(crate) async fn assert_lists_use_an_index(
    cases: &[(String, Conditions, bool)],
    page: &dyn Fn(&Conditions) -> String,
    table: &str,
    alias: &str,
) {
    for db in mamori_testkit::TestDatabase::all().await {
        let store = crate::Store::connect(&db.url).await.expect("store");
        for (case, conditions, seeks) in cases {
            let plan = plan(&store, conditions, &page(conditions)).await;
            let problems = plan_problems(&plan, table, alias);
            assert!(problems.is_empty(), "{} {case}: {plan:#?}", db.backend);
            if *seeks {
                assert!(seeks_position(&plan), "{} {case}: {plan:#?}", db.backend);
            }
        }
    }
}

//! Fixtures shared by the store's tests.

use chrono::{DateTime, Utc};
use mamori_model::Severity;
use mamori_store::{AlertFacts, NewAlert, NewOrganisation, Store};

/// A manufacturing organisation of 6-20 people named `name`, with a contact address.
pub fn org(name: &str) -> NewOrganisation {
    org_in_band(name, "6-20")
}

/// A manufacturing organisation named `name` in the employee band `band`.
pub fn org_in_band(name: &str, band: &str) -> NewOrganisation {
    NewOrganisation {
        name: name.to_owned(),
        industry: "E".parse().expect("industry"),
        employees: band.parse().expect("employee band"),
        contact_email: format!("info@{name}.example.jp"),
    }
}

/// Opens a high alert of `org_id` for rule `rule`, seen at `seen`, through the same
/// transaction the alerting stage writes with (which decides when to; here the test does).
pub async fn open_alert(store: &Store, org_id: &str, rule: &str, seen: DateTime<Utc>) -> String {
    let mut tx = store.begin_alerting().await.expect("alerting transaction");
    let id = tx
        .insert_alert(&NewAlert {
            org_id: org_id.to_owned(),
            group_key: format!("{rule}|{seen}"),
            source_id: None,
            seen_us: seen.timestamp_micros(),
            events: 1,
            facts: AlertFacts {
                rule_id: rule.to_owned(),
                rule_title: format!("Rule {rule}"),
                title_ja: None,
                severity: Severity::High,
                details: serde_json::json!({}),
            },
        })
        .await
        .expect("alert opened");
    tx.commit().await.expect("committed");
    id
}

/// Registers a FortiGate named `UTM` sending from 192.0.2.10 for `org_id`; returns its id.
pub async fn utm_source(store: &Store, org_id: &str) -> String {
    let (source, _) = store
        .create_source(
            &mamori_store::Actor::cli(),
            mamori_store::NewSource {
                org_id: org_id.to_owned(),
                name: "UTM".into(),
                format: "fortigate".into(),
                json_mapping: None,
                identity: mamori_store::SourceIdentity::Address("192.0.2.10".into()),
                expected_interval_secs: 3600,
            },
        )
        .await
        .unwrap();
    source.id
}

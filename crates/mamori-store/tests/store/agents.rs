//! Endpoint agents against real databases: an enrolment token enrols machines into the
//! organisation that made it (source, device and agent together), expired and unknown tokens
//! enrol nothing, heartbeats keep the latest posture, and another tenant sees none of it.

use mamori_model::{CheckId, CheckStatus, DeviceKind, Posture, Scope};
use mamori_store::{Actor, Enrolment, Store, StoreError};
use mamori_testkit::TestDatabase;

use crate::common::org;

fn machine(name: &str) -> Enrolment {
    Enrolment {
        hostname: name.into(),
        os: "Debian GNU/Linux".into(),
        os_version: "12".into(),
        kind: DeviceKind::Server,
    }
}

#[tokio::test]
async fn agents_enrol_into_the_token_s_organisation_and_report_their_posture() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.unwrap();
        let cli = Actor::cli();
        let a = store.create_org(&cli, org("alpha")).await.unwrap();
        let b = store.create_org(&cli, org("beta")).await.unwrap();
        let org_a = store
            .org_store(&Scope::Organisation(a.id.clone()), &a.id)
            .await
            .unwrap();
        let org_b = store
            .org_store(&Scope::Organisation(b.id.clone()), &b.id)
            .await
            .unwrap();
        let (token, expires_at) = org_a.create_enrolment_token(&cli, 3600).await.unwrap();
        assert!(token.starts_with("mme_") && expires_at > 0);

        let enrolled = store.enrol_agent(&token, &machine("web01")).await.unwrap();
        assert_eq!(enrolled.agent.org_id, a.id, "on {}", db.backend);
        let again = store.enrol_agent(&token, &machine("web02")).await.unwrap();
        assert_ne!(
            again.token, enrolled.token,
            "each machine its own credential"
        );
        let agents = org_a.agents().await.unwrap();
        assert_eq!(
            agents
                .iter()
                .map(|a| a.hostname.as_str())
                .collect::<Vec<_>>(),
            ["web01", "web02"]
        );
        assert!(
            org_b.agents().await.unwrap().is_empty(),
            "the other tenant sees none"
        );
        let device = org_a
            .devices()
            .get(&enrolled.agent.device_id)
            .await
            .unwrap()
            .expect("the device is in the inventory");
        assert_eq!(
            device.source_id.as_deref(),
            Some(enrolled.agent.source_id.as_str())
        );
        assert_eq!(
            (device.kind, device.os_version.as_str()),
            (DeviceKind::Server, "12")
        );
        assert!(org_b.devices().get(&device.id).await.unwrap().is_none());
        let source = store
            .source_by_token(&enrolled.token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(source.org_id, a.id);

        // A reinstalled machine enrols again as the same entry; its old token stops working.
        let reinstalled = store.enrol_agent(&token, &machine("web02")).await.unwrap();
        assert_eq!(reinstalled.agent.id, again.agent.id);
        assert_eq!(org_a.agents().await.unwrap().len(), 2, "no second entry");
        assert!(store.source_by_token(&again.token).await.unwrap().is_none());
        assert!(
            store
                .source_by_token(&reinstalled.token)
                .await
                .unwrap()
                .is_some()
        );

        // Unknown and expired tokens enrol nothing.
        for bad in [
            "mme_nothing",
            &org_b.create_enrolment_token(&cli, 0).await.unwrap().0,
        ] {
            assert!(matches!(
                store.enrol_agent(bad, &machine("intruder")).await,
                Err(StoreError::NotFound)
            ));
        }
        assert!(org_b.agents().await.unwrap().is_empty());

        // Heartbeats: a bare one keeps the last posture; a report replaces it.
        let posture: Posture = serde_json::from_value(serde_json::json!({
            "hostname": "web01", "os": "Debian GNU/Linux", "os_version": "12",
            "checks": [{"id": "firewall", "status": "fail", "evidence": "Status: inactive"}]
        }))
        .unwrap();
        let (seen, before) = store
            .agent_heartbeat(&enrolled.token, Some(&posture), None)
            .await
            .unwrap();
        assert_eq!(seen.posture.as_ref(), Some(&posture));
        assert!(before.is_none(), "the first report had nothing before it");
        let shipping = mamori_model::LogShipping {
            source: "journal".into(),
            buffered: 12,
            dropped: 3,
        };
        let (bare, before) = store
            .agent_heartbeat(&enrolled.token, None, Some(&shipping))
            .await
            .unwrap();
        assert_eq!(before.as_ref(), Some(&posture));
        assert_eq!(bare.logs.as_ref(), Some(&shipping));
        let (later, _) = store
            .agent_heartbeat(&enrolled.token, None, None)
            .await
            .unwrap();
        assert_eq!(
            later.logs,
            Some(shipping),
            "a heartbeat without it keeps the last"
        );
        assert_eq!(
            bare.posture
                .and_then(|p| p.check(CheckId::Firewall).map(|c| c.status)),
            Some(CheckStatus::Fail)
        );
        assert!(bare.posture_at.is_some());
        let heard = store
            .source_by_token(&enrolled.token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            heard.last_seen_at,
            Some(bare.last_seen_at),
            "a heartbeat keeps the silent-source watch quiet"
        );
        assert_eq!(
            heard.expected_interval_secs, 3600,
            "a server may be silent an hour"
        );
        let today = store.zone().today();
        let beats = org_a.agent_beats(today, today).await.unwrap();
        assert_eq!(
            beats.get(&enrolled.agent.id),
            Some(&3),
            "three heartbeats today"
        );
        assert!(org_b.agent_beats(today, today).await.unwrap().is_empty());
        assert!(matches!(
            store.agent_heartbeat("mms_nothing", None, None).await,
            Err(StoreError::NotFound)
        ));

        // Retiring: only its own organisation may; then its token is dead, it leaves the
        // lists and the watch; enrolling the same machine again brings the entry back.
        let cli = Actor::cli();
        assert!(matches!(
            org_b.retire_agent(&cli, &enrolled.agent.id).await,
            Err(StoreError::NotFound)
        ));
        let retired = org_a.retire_agent(&cli, &enrolled.agent.id).await.unwrap();
        assert_eq!(retired.id, enrolled.agent.id);
        let names = |agents: Vec<mamori_store::Agent>| -> Vec<String> {
            agents.into_iter().map(|a| a.hostname).collect()
        };
        assert_eq!(names(org_a.agents().await.unwrap()), ["web02"]);
        assert!(matches!(
            store.agent_heartbeat(&enrolled.token, None, None).await,
            Err(StoreError::NotFound)
        ));
        let watched = store.all_sources(&Scope::AllOrganisations).await.unwrap();
        assert!(!watched.iter().any(|s| s.id == enrolled.agent.source_id));
        let entry = org_a
            .devices()
            .get(&enrolled.agent.device_id)
            .await
            .unwrap()
            .expect("the inventory entry stays");
        assert_eq!(entry.source_id, None, "no longer watched");
        org_a
            .devices()
            .save(&cli, &entry)
            .await
            .expect("the entry can still be changed");
        assert!(
            matches!(
                org_a.retire_agent(&cli, &enrolled.agent.id).await,
                Err(StoreError::NotFound)
            ),
            "retired once"
        );
        let back = store.enrol_agent(&token, &machine("web01")).await.unwrap();
        assert_eq!(
            back.agent.id, enrolled.agent.id,
            "the same entry comes back"
        );
        let entry = org_a
            .devices()
            .get(&enrolled.agent.device_id)
            .await
            .unwrap();
        assert_eq!(
            entry.and_then(|d| d.source_id),
            Some(enrolled.agent.source_id.clone()),
            "watched again"
        );
        assert_eq!(names(org_a.agents().await.unwrap()), ["web01", "web02"]);
        assert!(store.agent_heartbeat(&back.token, None, None).await.is_ok());

        // Retiring the source (from the provider's console) retires its agent too, and only
        // within the caller's scope.
        let source = back.agent.source_id.clone();
        assert!(matches!(
            store
                .retire_source(&cli, &Scope::Organisation(b.id.clone()), &source)
                .await,
            Err(StoreError::NotFound)
        ));
        store
            .retire_source(&cli, &Scope::Organisation(a.id.clone()), &source)
            .await
            .unwrap();
        assert_eq!(names(org_a.agents().await.unwrap()), ["web02"]);
        assert!(
            matches!(
                store
                    .retire_source(&cli, &Scope::AllOrganisations, &source)
                    .await,
                Err(StoreError::NotFound)
            ),
            "retired once"
        );
        db.cleanup().await;
    }
}

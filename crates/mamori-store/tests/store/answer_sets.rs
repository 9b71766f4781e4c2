//! Questionnaire answers against real databases: drafts, completion, history, the newest set per
//! organisation, peers, tenancy and the five-rules acknowledgement.

use mamori_model::Scope;
use mamori_store::{Actor, AnswerKind, InvalidInput, NewAnswers, Store, StoreError};
use mamori_testkit::TestDatabase;

use crate::common::org_in_band;
use serde_json::json;

fn answers<'a>(
    org_id: &'a str,
    kind: AnswerKind,
    subject: &'a str,
    value: &'a serde_json::Value,
) -> NewAnswers<'a> {
    NewAnswers {
        org_id,
        kind,
        subject,
        edition: "ipa-sme-3.1",
        answers: value,
    }
}

#[tokio::test]
async fn drafts_history_peers_and_tenancy() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.unwrap();
        let cli = Actor::cli();
        let all = Scope::AllOrganisations;
        let a = store
            .create_org(&cli, org_in_band("alpha", "6-20"))
            .await
            .unwrap();
        let b = store
            .create_org(&cli, org_in_band("beta", "6-20"))
            .await
            .unwrap();
        let other_band = store
            .create_org(&cli, org_in_band("gamma", "301+"))
            .await
            .unwrap();
        let scope_a = Scope::Organisation(a.id.clone());
        let sa = AnswerKind::SelfAssessment;

        // A draft is saved, replaced, then completed in place.
        let first = json!({"1": "yes"});
        let draft = store
            .save_draft(&cli, &scope_a, answers(&a.id, sa, "", &first))
            .await
            .unwrap();
        assert_eq!(draft.completed_at, None, "{}", db.backend);
        let second = json!({"1": "yes", "2": "no"});
        let again = store
            .save_draft(&cli, &scope_a, answers(&a.id, sa, "", &second))
            .await
            .unwrap();
        assert_eq!(again.id, draft.id);
        assert_eq!(
            store
                .draft(&scope_a, &a.id, sa, "")
                .await
                .unwrap()
                .unwrap()
                .answers,
            second
        );
        let done = store
            .complete_answers(&cli, &scope_a, answers(&a.id, sa, "", &second))
            .await
            .unwrap();
        assert_eq!(done.id, draft.id);
        assert!(done.completed_at.is_some());
        assert!(
            store
                .draft(&scope_a, &a.id, sa, "")
                .await
                .unwrap()
                .is_none()
        );
        let newer = json!({"1": "no"});
        store
            .complete_answers(&cli, &scope_a, answers(&a.id, sa, "", &newer))
            .await
            .unwrap();
        let history = store
            .completed_answers(&scope_a, &a.id, sa, None)
            .await
            .unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].answers, newer, "newest first on {}", db.backend);

        // Other tenants see nothing and cannot write.
        let scope_b = Scope::Organisation(b.id.clone());
        assert!(
            store
                .answer_set(&scope_b, &a.id, &done.id)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .answer_set(&scope_b, &b.id, &done.id)
                .await
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            store.completed_answers(&scope_b, &a.id, sa, None).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store
                .save_draft(&cli, &scope_b, answers(&a.id, sa, "", &first))
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(
            store
                .latest_completed(&scope_b, sa)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            store
                .save_draft(&cli, &all, answers("no-such-org", sa, "", &first))
                .await,
            Err(StoreError::NotFound)
        ));

        // Cloud checklists need a service name and are kept per service.
        let cloud = AnswerKind::Cloud;
        assert!(matches!(
            store
                .complete_answers(&cli, &scope_a, answers(&a.id, cloud, "  ", &first))
                .await,
            Err(StoreError::Invalid(InvalidInput::NameRequired))
        ));
        for service in ["Microsoft 365", "kintone", "Microsoft 365"] {
            store
                .complete_answers(&cli, &scope_a, answers(&a.id, cloud, service, &first))
                .await
                .unwrap();
        }
        let latest = store.latest_completed(&scope_a, cloud).await.unwrap();
        let services: Vec<&str> = latest.iter().map(|s| s.subject.as_str()).collect();
        assert_eq!(services, ["Microsoft 365", "kintone"]);
        assert_eq!(
            store
                .completed_answers(&scope_a, &a.id, cloud, Some("Microsoft 365"))
                .await
                .unwrap()
                .len(),
            2
        );

        // Peers: the newest completed set of similar organisations, never the asker's own.
        let peer = json!({"1": "partial"});
        store
            .complete_answers(&cli, &all, answers(&b.id, sa, "", &peer))
            .await
            .unwrap();
        store
            .complete_answers(&cli, &all, answers(&other_band.id, sa, "", &peer))
            .await
            .unwrap();
        store
            .save_draft(&cli, &all, answers(&b.id, sa, "", &first))
            .await
            .unwrap();
        assert_eq!(
            store.peer_answers(&a, sa, "ipa-sme-3.1").await.unwrap(),
            vec![peer.clone()]
        );
        assert_eq!(
            store.peer_answers(&b, sa, "ipa-sme-3.1").await.unwrap(),
            vec![newer.clone()]
        );
        assert!(
            store
                .peer_answers(&a, sa, "ipa-sme-4.0")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.latest_completed(&all, sa).await.unwrap().len(), 3);

        // The five rules are acknowledged once per organisation and edition.
        assert!(
            store
                .rules_acknowledgement(&scope_a, &a.id, "ipa-sme-3.1")
                .await
                .unwrap()
                .is_none()
        );
        let ack = store
            .acknowledge_rules(&cli, &scope_a, &a.id, "ipa-sme-3.1")
            .await
            .unwrap();
        let twice = store
            .acknowledge_rules(&cli, &scope_a, &a.id, "ipa-sme-3.1")
            .await
            .unwrap();
        assert_eq!(ack, twice);
        assert!(
            store
                .rules_acknowledgement(&scope_b, &a.id, "ipa-sme-3.1")
                .await
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            store
                .acknowledge_rules(&cli, &scope_b, &a.id, "ipa-sme-3.1")
                .await,
            Err(StoreError::NotFound)
        ));

        store.close().await;
        db.cleanup().await;
    }
}

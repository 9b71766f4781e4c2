//! Questionnaire answers against real databases: drafts, completion, history, the newest set per
//! organisation, peers, tenancy and the five-rules acknowledgement.

use mamori_model::Scope;
use mamori_store::{Actor, AnswerKind, InvalidInput, NewAnswers, Store, StoreError};
use mamori_testkit::TestDatabase;

use crate::common::org_in_band;
use serde_json::json;

fn answers<'a>(kind: AnswerKind, subject: &'a str, value: &'a serde_json::Value) -> NewAnswers<'a> {
    NewAnswers {
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
        let scope_b = Scope::Organisation(b.id.clone());
        let org_a = store.org_store(&scope_a, &a.id).await.unwrap();
        let org_b = store.org_store(&scope_b, &b.id).await.unwrap();
        let answers_a = org_a.answers();
        let sa = AnswerKind::SelfAssessment;

        // A draft is saved, replaced, then completed in place.
        let first = json!({"1": "yes"});
        let draft = answers_a
            .save_draft(&cli, answers(sa, "", &first))
            .await
            .unwrap();
        assert_eq!(draft.completed_at, None, "{}", db.backend);
        assert_eq!(draft.org_id, a.id);
        let second = json!({"1": "yes", "2": "no"});
        let again = answers_a
            .save_draft(&cli, answers(sa, "", &second))
            .await
            .unwrap();
        assert_eq!(again.id, draft.id);
        assert_eq!(
            answers_a.draft(sa, "").await.unwrap().unwrap().answers,
            second
        );
        let done = answers_a
            .complete(&cli, answers(sa, "", &second))
            .await
            .unwrap();
        assert_eq!(done.id, draft.id);
        assert!(done.completed_at.is_some());
        assert!(answers_a.draft(sa, "").await.unwrap().is_none());
        let newer = json!({"1": "no"});
        answers_a
            .complete(&cli, answers(sa, "", &newer))
            .await
            .unwrap();
        let history = answers_a.completed(sa, None).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].answers, newer, "newest first on {}", db.backend);

        // Another tenant cannot get a handle on this organisation, and its own handle does not
        // reach this organisation's rows, even by id.
        assert!(matches!(
            store.org_store(&scope_b, &a.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.org_store(&all, "no-such-org").await,
            Err(StoreError::NotFound)
        ));
        let answers_b = org_b.answers();
        assert!(answers_b.get(&done.id).await.unwrap().is_none());
        assert!(answers_b.completed(sa, None).await.unwrap().is_empty());
        assert!(answers_b.draft(sa, "").await.unwrap().is_none());
        assert!(answers_b.latest(sa).await.unwrap().is_empty());
        assert!(
            store
                .latest_completed(&scope_b, sa)
                .await
                .unwrap()
                .is_empty()
        );

        // Cloud checklists need a service name and are kept per service.
        let cloud = AnswerKind::Cloud;
        assert!(matches!(
            answers_a.complete(&cli, answers(cloud, "  ", &first)).await,
            Err(StoreError::Invalid(InvalidInput::NameRequired))
        ));
        for service in ["Microsoft 365", "kintone", "Microsoft 365"] {
            answers_a
                .complete(&cli, answers(cloud, service, &first))
                .await
                .unwrap();
        }
        let latest = store.latest_completed(&scope_a, cloud).await.unwrap();
        let services: Vec<&str> = latest.iter().map(|s| s.subject.as_str()).collect();
        assert_eq!(services, ["Microsoft 365", "kintone"]);
        assert_eq!(answers_a.latest(cloud).await.unwrap(), latest);
        assert_eq!(
            answers_a
                .completed(cloud, Some("Microsoft 365"))
                .await
                .unwrap()
                .len(),
            2
        );

        // Peers: the newest completed set of similar organisations, never the asker's own.
        let peer = json!({"1": "partial"});
        answers_b
            .complete(&cli, answers(sa, "", &peer))
            .await
            .unwrap();
        let org_other = store.org_store(&all, &other_band.id).await.unwrap();
        org_other
            .answers()
            .complete(&cli, answers(sa, "", &peer))
            .await
            .unwrap();
        answers_b
            .save_draft(&cli, answers(sa, "", &first))
            .await
            .unwrap();
        assert_eq!(
            answers_a.peers(sa, "ipa-sme-3.1").await.unwrap(),
            vec![peer.clone()]
        );
        assert_eq!(
            answers_b.peers(sa, "ipa-sme-3.1").await.unwrap(),
            vec![newer.clone()]
        );
        assert!(answers_a.peers(sa, "ipa-sme-4.0").await.unwrap().is_empty());
        assert_eq!(store.latest_completed(&all, sa).await.unwrap().len(), 3);

        // The five rules are acknowledged once per organisation and edition.
        assert!(
            org_a
                .rules()
                .acknowledgement("ipa-sme-3.1")
                .await
                .unwrap()
                .is_none()
        );
        let ack = org_a
            .rules()
            .acknowledge(&cli, "ipa-sme-3.1")
            .await
            .unwrap();
        let twice = org_a
            .rules()
            .acknowledge(&cli, "ipa-sme-3.1")
            .await
            .unwrap();
        assert_eq!(ack, twice);
        assert!(
            org_b
                .rules()
                .acknowledgement("ipa-sme-3.1")
                .await
                .unwrap()
                .is_none(),
            "one organisation's acknowledgement is not another's"
        );

        store.close().await;
        db.cleanup().await;
    }
}

//! Document storage against real databases: parameters, drafts and approval, immutable issued
//! versions, the policy's public page, handbook confirmations, and tenancy.

use std::collections::BTreeMap;

use mamori_model::Scope;
use mamori_store::{Actor, InvalidInput, Store, StoreError};
use mamori_testkit::TestDatabase;

use crate::common::org;

#[tokio::test]
async fn drafts_versions_publication_and_tenancy() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.unwrap();
        let cli = Actor::cli();
        let a = store.create_org(&cli, org("alpha")).await.unwrap();
        let b = store.create_org(&cli, org("beta")).await.unwrap();
        let own = Scope::Organisation(a.id.clone());
        let other = Scope::Organisation(b.id.clone());

        let params = BTreeMap::from([("representative_name".to_owned(), "山田".to_owned())]);
        store
            .save_document_params(&cli, &own, &a.id, &params)
            .await
            .unwrap();
        assert_eq!(store.document_params(&own, &a.id).await.unwrap(), params);
        assert!(matches!(
            store.document_params(&other, &a.id).await,
            Err(StoreError::NotFound)
        ));

        store
            .save_document_draft(&cli, &own, &a.id, "policy", "ja", "{}")
            .await
            .unwrap();
        let refused = store
            .issue_document_version(&cli, &own, &a.id, "policy", "{\"v\":1}")
            .await;
        assert!(matches!(
            refused,
            Err(StoreError::Invalid(InvalidInput::NotApproved))
        ));
        store
            .approve_document_draft(&cli, &own, &a.id, "policy", "ja", "山田")
            .await
            .unwrap();
        let v1 = store
            .issue_document_version(&cli, &own, &a.id, "policy", "{\"v\":1}")
            .await
            .unwrap();
        assert_eq!(v1.version, 1);
        let same = store
            .issue_document_version(&cli, &own, &a.id, "policy", "{\"v\":1}")
            .await;
        assert!(matches!(
            same,
            Err(StoreError::Invalid(InvalidInput::NothingToIssue))
        ));
        let v2 = store
            .issue_document_version(&cli, &own, &a.id, "policy", "{\"v\":2}")
            .await
            .unwrap();
        assert_eq!(v2.version, 2);
        // Saving parameters clears the approval.
        store
            .save_document_params(&cli, &own, &a.id, &params)
            .await
            .unwrap();
        let draft = store
            .document_draft(&own, &a.id, "policy")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(draft.approved_at, None);

        assert!(store.document_version(&other, &a.id, &v1.id).await.is_err());
        assert!(store.document_content(&other, &a.id, &v1.id).await.is_err());
        assert_eq!(
            store.document_content(&own, &a.id, &v1.id).await.unwrap(),
            "{\"v\":1}"
        );

        let bad = store.publish_policy(&cli, &own, &a.id, "Not OK").await;
        assert!(matches!(
            bad,
            Err(StoreError::Invalid(InvalidInput::SlugInvalid))
        ));
        let unissued = store
            .publish_policy(&cli, &Scope::AllOrganisations, &b.id, "beta-co")
            .await;
        assert!(matches!(
            unissued,
            Err(StoreError::Invalid(InvalidInput::NotIssued))
        ));
        store
            .publish_policy(&cli, &own, &a.id, "alpha-co")
            .await
            .unwrap();
        let (content, version) = store.public_policy("alpha-co").await.unwrap().unwrap();
        assert_eq!(
            (content.as_str(), version.version),
            ("{\"v\":2}", 2),
            "latest version only"
        );
        store.unpublish_policy(&cli, &own, &a.id).await.unwrap();
        assert!(store.public_policy("alpha-co").await.unwrap().is_none());

        store
            .save_document_draft(&cli, &other, &b.id, "policy", "ja", "{}")
            .await
            .unwrap();
        store
            .approve_document_draft(&cli, &other, &b.id, "policy", "ja", "b")
            .await
            .unwrap();
        store
            .issue_document_version(&cli, &other, &b.id, "policy", "{}")
            .await
            .unwrap();
        let taken = store.publish_policy(&cli, &other, &b.id, "alpha-co").await;
        assert!(
            matches!(taken, Err(StoreError::Invalid(InvalidInput::SlugTaken))),
            "slug stays alpha's"
        );

        store
            .add_handbook_reader(&cli, &own, &a.id, "パート 田中")
            .await
            .unwrap();
        let readers = store.handbook_readers(&own, &a.id).await.unwrap();
        assert_eq!(readers.len(), 1);
        assert!(store.handbook_readers(&other, &a.id).await.is_err());
        store
            .approve_document_draft(&cli, &own, &a.id, "handbook", "ja", "山田")
            .await
            .unwrap();
        let hb = store
            .issue_document_version(&cli, &own, &a.id, "handbook", "{}")
            .await
            .unwrap();
        store
            .acknowledge_handbook(&cli, &own, &a.id, &hb.id, &readers[0].key)
            .await
            .unwrap();
        let acks = store
            .handbook_acknowledgements(&own, &a.id, &hb.id)
            .await
            .unwrap();
        assert_eq!(acks.len(), 1);
        let cross = store
            .acknowledge_handbook(&cli, &other, &b.id, &hb.id, &readers[0].key)
            .await;
        assert!(matches!(cross, Err(StoreError::NotFound)));
        store.close().await;
    }
}

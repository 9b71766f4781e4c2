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
        let org_a = store.org_store(&own, &a.id).await.unwrap();
        let org_b = store.org_store(&other, &b.id).await.unwrap();
        let (docs_a, docs_b) = (org_a.documents(), org_b.documents());
        assert!(matches!(
            store.org_store(&other, &a.id).await,
            Err(StoreError::NotFound)
        ));

        let params = BTreeMap::from([("representative_name".to_owned(), "山田".to_owned())]);
        docs_a.save_params(&cli, &params).await.unwrap();
        assert_eq!(docs_a.params().await.unwrap(), params);
        assert!(docs_b.params().await.unwrap().is_empty());

        docs_a.save_draft(&cli, "policy", "ja", "{}").await.unwrap();
        let refused = docs_a.issue(&cli, "policy", "{\"v\":1}").await;
        assert!(matches!(
            refused,
            Err(StoreError::Invalid(InvalidInput::NotApproved))
        ));
        docs_a
            .approve_draft(&cli, "policy", "ja", "山田")
            .await
            .unwrap();
        let v1 = docs_a.issue(&cli, "policy", "{\"v\":1}").await.unwrap();
        assert_eq!((v1.version, v1.org_id.as_str()), (1, a.id.as_str()));
        let same = docs_a.issue(&cli, "policy", "{\"v\":1}").await;
        assert!(matches!(
            same,
            Err(StoreError::Invalid(InvalidInput::NothingToIssue))
        ));
        let v2 = docs_a.issue(&cli, "policy", "{\"v\":2}").await.unwrap();
        assert_eq!(v2.version, 2);
        // Saving parameters clears the approval.
        docs_a.save_params(&cli, &params).await.unwrap();
        let draft = docs_a.draft("policy").await.unwrap().unwrap();
        assert_eq!(draft.approved_at, None);
        assert!(docs_b.draft("policy").await.unwrap().is_none());

        // The other tenant's handle does not reach these versions, even by id.
        assert!(docs_b.version(&v1.id).await.unwrap().is_none());
        assert!(matches!(
            docs_b.content(&v1.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(docs_b.versions("policy").await.unwrap().is_empty());
        assert_eq!(docs_a.content(&v1.id).await.unwrap(), "{\"v\":1}");

        let bad = docs_a.publish_policy(&cli, "Not OK").await;
        assert!(matches!(
            bad,
            Err(StoreError::Invalid(InvalidInput::SlugInvalid))
        ));
        let unissued = docs_b.publish_policy(&cli, "beta-co").await;
        assert!(matches!(
            unissued,
            Err(StoreError::Invalid(InvalidInput::NotIssued))
        ));
        docs_a.publish_policy(&cli, "alpha-co").await.unwrap();
        assert!(docs_b.policy_publication().await.unwrap().is_none());
        let (content, version) = store.public_policy("alpha-co").await.unwrap().unwrap();
        assert_eq!(
            (content.as_str(), version.version),
            ("{\"v\":2}", 2),
            "latest version only"
        );
        docs_a.unpublish_policy(&cli).await.unwrap();
        assert!(store.public_policy("alpha-co").await.unwrap().is_none());

        docs_b.save_draft(&cli, "policy", "ja", "{}").await.unwrap();
        docs_b
            .approve_draft(&cli, "policy", "ja", "b")
            .await
            .unwrap();
        docs_b.issue(&cli, "policy", "{}").await.unwrap();
        let taken = docs_b.publish_policy(&cli, "alpha-co").await;
        assert!(
            matches!(taken, Err(StoreError::Invalid(InvalidInput::SlugTaken))),
            "slug stays alpha's"
        );

        docs_a.add_reader(&cli, "パート 田中").await.unwrap();
        let readers = docs_a.readers().await.unwrap();
        assert_eq!(readers.len(), 1);
        assert!(docs_b.readers().await.unwrap().is_empty());
        let listed_id = readers[0].key.trim_start_matches("name:");
        assert!(matches!(
            docs_b.remove_reader(&cli, listed_id).await,
            Err(StoreError::NotFound)
        ));
        docs_a
            .approve_draft(&cli, "handbook", "ja", "山田")
            .await
            .unwrap();
        let hb = docs_a.issue(&cli, "handbook", "{}").await.unwrap();
        docs_a
            .acknowledge_handbook(&cli, &hb.id, &readers[0].key)
            .await
            .unwrap();
        let acks = docs_a.handbook_acknowledgements(&hb.id).await.unwrap();
        assert_eq!(acks.len(), 1);
        assert!(
            docs_b
                .handbook_acknowledgements(&hb.id)
                .await
                .unwrap()
                .is_empty()
        );
        let cross = docs_b
            .acknowledge_handbook(&cli, &hb.id, &readers[0].key)
            .await;
        assert!(matches!(cross, Err(StoreError::NotFound)));
        store.close().await;
    }
}

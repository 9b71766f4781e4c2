//! Setup, organisations, users, sign-in, tokens, events and detections against real databases.

use mamori_model::{Role, Scope};
use mamori_store::{
    Actor, COUNT_BOUND, DetectionFilter, EventFilter, IngestBatch, InvalidInput, LinkPurpose,
    LoginLimits, NewDetection, NewEvent, NewUser, Store, StoreError, new_id,
};
use mamori_testkit::TestDatabase;

use crate::common::org;

fn member(email: &str, role: Role, org_id: Option<&str>) -> NewUser {
    NewUser {
        email: email.to_owned(),
        display_name: String::new(),
        role,
        org_id: org_id.map(str::to_owned),
        password: Some("a long enough password".to_owned()),
    }
}

#[tokio::test]
async fn setup_accounts_and_tenancy_on_every_backend() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.unwrap();
        let cli = Actor::cli();
        assert!(store.provider().await.unwrap().is_none());
        let (provider, admin) = store
            .setup(
                &cli,
                "守りサービス株式会社",
                member("Admin@Provider.example", Role::Admin, None),
            )
            .await
            .unwrap();
        assert_eq!(provider.name, "守りサービス株式会社");
        assert_eq!(admin.email, "admin@provider.example", "{}", db.backend);
        assert!(matches!(
            store
                .setup(&cli, "again", member("x@y.example", Role::Admin, None))
                .await,
            Err(StoreError::AlreadySetUp)
        ));

        let a = store.create_org(&cli, org("alpha")).await.unwrap();
        let b = store.create_org(&cli, org("beta")).await.unwrap();
        let owner_a = store
            .create_user(
                &cli,
                member("owner@alpha.example", Role::Owner, Some(&a.id)),
            )
            .await
            .unwrap();
        assert!(matches!(
            store
                .create_user(
                    &cli,
                    member("OWNER@alpha.example", Role::Staff, Some(&a.id))
                )
                .await,
            Err(StoreError::EmailTaken)
        ));
        assert!(matches!(
            store
                .create_user(&cli, member("x@alpha.example", Role::Staff, None))
                .await,
            Err(StoreError::Invalid(InvalidInput::RoleNeedsOrganisation))
        ));
        assert!(matches!(
            store
                .create_user(&cli, member("y@alpha.example", Role::Analyst, Some(&a.id)))
                .await,
            Err(StoreError::Invalid(
                InvalidInput::ProviderRoleWithOrganisation
            ))
        ));

        // Tenancy: the owner of A sees A only.
        let scope = owner_a.scope();
        assert_eq!(scope, Scope::Organisation(a.id.clone()));
        let visible = store.orgs(&scope).await.unwrap();
        assert_eq!(
            visible.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
            vec![a.id.as_str()]
        );
        assert!(store.org(&scope, &b.id).await.unwrap().is_none());
        assert!(matches!(
            store.org_store(&scope, &b.id).await,
            Err(StoreError::NotFound)
        ));
        let own = store.org_store(&scope, &a.id).await.unwrap();
        own.events().set_retention(&cli, 30).await.unwrap();
        assert_eq!(own.events().retention_days().await.unwrap(), 30);
        let other = store
            .org_store(&Scope::AllOrganisations, &b.id)
            .await
            .unwrap();
        assert_eq!(
            other.events().retention_days().await.unwrap(),
            mamori_store::DEFAULT_RETENTION_DAYS,
            "one organisation's retention is not another's"
        );
        assert!(
            own.members()
                .list()
                .await
                .unwrap()
                .iter()
                .all(|u| u.org_id.as_deref() == Some(a.id.as_str()))
        );
        assert_eq!(store.orgs(&Scope::AllOrganisations).await.unwrap().len(), 2);
        assert!(
            store
                .audit_log(&scope, 50)
                .await
                .unwrap()
                .iter()
                .all(|e| e.org_id.as_deref() == Some(a.id.as_str()))
        );

        // Sign-in, sessions and tokens.
        assert!(
            store
                .authenticate("owner@alpha.example", "wrong password!")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .authenticate("nobody@alpha.example", "a long enough password")
                .await
                .unwrap()
                .is_none()
        );
        let signed_in = store
            .authenticate(" Owner@Alpha.example ", "a long enough password")
            .await
            .unwrap();
        assert_eq!(signed_in.map(|u| u.id), Some(owner_a.id.clone()));
        let (cookie, session) = store.create_session(&owner_a.id, 3600).await.unwrap();
        let (user, again) = store.session_user(&cookie).await.unwrap().unwrap();
        assert_eq!(user.id, owner_a.id);
        assert_eq!(again.csrf_token, session.csrf_token);
        let (_, secret) = store.create_token(&cli, &owner_a, "script").await.unwrap();
        assert_eq!(
            store.token_user(&secret).await.unwrap().map(|u| u.id),
            Some(owner_a.id.clone())
        );
        assert!(store.token_user("mmr_forged").await.unwrap().is_none());
        // "Last used" is written at most once a minute, so busy scripts do not queue every
        // request behind a write.
        let (_, busy) = store.create_token(&cli, &owner_a, "busy").await.unwrap();
        assert!(store.record_token_use(&busy, 1_000).await.unwrap());
        assert!(!store.record_token_use(&busy, 1_030).await.unwrap());
        assert!(store.record_token_use(&busy, 1_060).await.unwrap());
        let listed = store.tokens_of(&owner_a.id).await.unwrap();
        let busy_row = listed.iter().find(|t| t.name == "busy").unwrap();
        assert_eq!(busy_row.last_used_at, Some(1_060));
        assert!(!store.record_token_use("mmr_forged", 2_000).await.unwrap());

        // A password reset link ends sessions and works once.
        let link = store
            .create_password_link(&cli, &owner_a, LinkPurpose::Reset, 3600)
            .await
            .unwrap();
        assert!(
            store
                .redeem_password_link(&link, "short", None)
                .await
                .is_err()
        );
        store
            .redeem_password_link(&link, "another long password", None)
            .await
            .unwrap();
        assert!(store.session_user(&cookie).await.unwrap().is_none());
        assert!(
            store
                .redeem_password_link(&link, "yet another password", None)
                .await
                .is_err()
        );
        assert!(
            store
                .authenticate("owner@alpha.example", "another long password")
                .await
                .unwrap()
                .is_some()
        );

        // Rate limiting: an account from one address, an address over all accounts, and an
        // account from everywhere, which never locks the user out where they are known.
        let limits = LoginLimits {
            window_secs: 600,
            per_account: 3,
            per_account_anywhere: 6,
            address_window_secs: 3600,
            per_address: 5,
        };
        let blocked = |email: &'static str, address: &'static str| {
            let store = store.clone();
            async move { store.login_blocked(&limits, email, address).await.unwrap() }
        };
        // The real user signs in from the office once.
        store
            .clear_login_failures("owner@alpha.example", "192.0.2.10")
            .await
            .unwrap();
        for _ in 0..3 {
            assert!(!blocked("owner@alpha.example", "198.51.100.1").await);
            store
                .record_login_failure("owner@alpha.example", "198.51.100.1")
                .await
                .unwrap();
        }
        // The attacker's address is blocked for this account; the office is not.
        assert!(blocked("OWNER@alpha.example", "198.51.100.1").await);
        assert!(!blocked("owner@alpha.example", "192.0.2.10").await);
        assert!(!blocked("owner@alpha.example", "198.51.100.2").await);
        // Many addresses together reach the account-wide limit: new addresses are blocked,
        // the office still is not.
        for address in ["198.51.100.2", "198.51.100.2", "198.51.100.3"] {
            store
                .record_login_failure("owner@alpha.example", address)
                .await
                .unwrap();
        }
        assert!(blocked("owner@alpha.example", "198.51.100.4").await);
        assert!(!blocked("owner@alpha.example", "192.0.2.10").await);
        // One address trying many accounts is stopped by its own limit.
        for n in 0..5 {
            assert!(!blocked("nobody@alpha.example", "203.0.113.7").await, "{n}");
            let email = format!("user{n}@alpha.example");
            store
                .record_login_failure(&email, "203.0.113.7")
                .await
                .unwrap();
        }
        assert!(blocked("nobody@alpha.example", "203.0.113.7").await);
        assert!(!blocked("nobody@alpha.example", "203.0.113.8").await);
        // A successful sign-in clears that address's failures for the account.
        store
            .clear_login_failures("owner@alpha.example", "198.51.100.1")
            .await
            .unwrap();
        assert!(!blocked("owner@alpha.example", "198.51.100.1").await);

        let actions: Vec<String> = store
            .audit_log(&Scope::AllOrganisations, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        for expected in [
            "setup.completed",
            "org.created",
            "user.created",
            "user.password_reset",
            "user.password_chosen",
        ] {
            assert!(
                actions.iter().any(|a| a == expected),
                "{expected} missing on {}",
                db.backend
            );
        }
        store.close().await;
        db.cleanup().await;
    }
}

/// A large organisation's search counts exactly up to the bound and then says "or more", so
/// its searches stay cheap; a neighbour's count stays exact and its own.
#[tokio::test]
async fn event_counts_stop_at_the_bound() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.unwrap();
        let cli = Actor::cli();
        let big = store.create_org(&cli, org("big")).await.unwrap();
        let small = store.create_org(&cli, org("small")).await.unwrap();
        let at = chrono::Utc::now();
        let event = |org_id: &str, n: i64| {
            let mut event = mamori_model::Event::new("json", &format!("line {n}"), at);
            event.org_id = Some(org_id.to_owned());
            NewEvent {
                id: new_id(),
                event,
                parse_error: None,
                envelope_only: false,
            }
        };
        let mut events: Vec<NewEvent> = (0..=COUNT_BOUND).map(|n| event(&big.id, n)).collect();
        events.extend((0..3).map(|n| event(&small.id, n)));
        let detection = |org_id: &str| NewDetection {
            id: new_id(),
            org_id: org_id.to_owned(),
            source_id: None,
            event_id: None,
            timestamp: at,
            kind: "rule".to_owned(),
            rule_id: "r".to_owned(),
            rule_title: "Rule".to_owned(),
            title_ja: None,
            level: "low".to_owned(),
            tags: Vec::new(),
            details: serde_json::json!({}),
        };
        let mut detections: Vec<NewDetection> =
            (0..=COUNT_BOUND).map(|_| detection(&big.id)).collect();
        detections.push(detection(&small.id));
        store
            .write_ingest_batch(&IngestBatch {
                node_id: "test".to_owned(),
                last_seq: 1,
                events,
                quarantined: Vec::new(),
                detections,
            })
            .await
            .unwrap();
        let filter = EventFilter {
            limit: 10,
            ..EventFilter::default()
        };
        let all = Scope::AllOrganisations;
        let page = store
            .org_store(&all, &big.id)
            .await
            .unwrap()
            .events()
            .search(&filter)
            .await
            .unwrap();
        assert_eq!(
            (page.total, page.total_capped),
            (COUNT_BOUND, true),
            "{}",
            db.backend
        );
        assert_eq!(page.events.len(), 10);
        let narrow = EventFilter {
            text: Some("line 999".into()),
            ..filter.clone()
        };
        let page = store
            .org_store(&all, &big.id)
            .await
            .unwrap()
            .events()
            .search(&narrow)
            .await
            .unwrap();
        // "line 999" and "line 9990" … "line 9999".
        assert_eq!((page.total, page.total_capped), (11, false));
        let page = store
            .org_store(&all, &small.id)
            .await
            .unwrap()
            .events()
            .search(&filter)
            .await
            .unwrap();
        assert_eq!((page.total, page.total_capped), (3, false));
        let detections = DetectionFilter {
            limit: 10,
            ..DetectionFilter::default()
        };
        let found = store
            .org_store(&all, &big.id)
            .await
            .unwrap()
            .detections()
            .list(&detections)
            .await
            .unwrap();
        assert_eq!((found.total, found.total_capped), (COUNT_BOUND, true));
        let found = store
            .org_store(&all, &small.id)
            .await
            .unwrap()
            .detections()
            .list(&detections)
            .await
            .unwrap();
        assert_eq!((found.total, found.total_capped), (1, false));
        store.close().await;
        db.cleanup().await;
    }
}

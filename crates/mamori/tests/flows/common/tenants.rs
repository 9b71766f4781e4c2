//! Two-tenant fixtures made straight in the store: an organisation and an owner's API token,
//! for flow tests that check what each tenant's token may see.

use mamori_model::{Role, User};
use mamori_store::{Actor, NewOrganisation, NewSource, NewUser, SourceIdentity, Store};

/// A manufacturing organisation of 6-20 people named `name`.
pub fn org(name: &str) -> NewOrganisation {
    NewOrganisation {
        name: name.to_owned(),
        industry: "E".parse().expect("industry"),
        employees: "6-20".parse().expect("band"),
        contact_email: String::new(),
    }
}

/// Creates an owner of `org_id` with e-mail `email` and returns a fresh API token of theirs.
pub async fn owner_token(store: &Store, org_id: &str, email: &str) -> String {
    let cli = Actor::cli();
    let user: User = store
        .create_user(
            &cli,
            NewUser {
                email: email.to_owned(),
                display_name: String::new(),
                role: Role::Owner,
                org_id: Some(org_id.to_owned()),
                password: Some("a long enough password".into()),
            },
        )
        .await
        .expect("owner");
    store
        .create_token(&cli, &user, "test")
        .await
        .expect("token")
        .1
}

/// Registers a Linux server sending SSH logs from 127.0.0.1 (the tests' syslog sender) for
/// `org_id`.
pub async fn loopback_ssh_source(store: &Store, org_id: &str) {
    loopback_source(store, org_id, "本社サーバー", "linux-auth").await;
}

/// Registers a source named `name` sending lines of `format` from 127.0.0.1 (the tests'
/// syslog sender) for `org_id`.
pub async fn loopback_source(store: &Store, org_id: &str, name: &str, format: &str) {
    store
        .create_source(
            &Actor::cli(),
            NewSource {
                org_id: org_id.to_owned(),
                name: name.to_owned(),
                format: format.to_owned(),
                json_mapping: None,
                identity: SourceIdentity::Address("127.0.0.1".into()),
                expected_interval_secs: 3600,
            },
        )
        .await
        .expect("source");
}

/// Creates a provider analyst with e-mail `email` and returns a fresh API token of theirs.
pub async fn analyst_token(store: &Store, email: &str) -> String {
    provider_token(store, email, Role::Analyst).await
}

/// Creates a provider administrator with e-mail `email` and returns a fresh API token of theirs.
pub async fn admin_token(store: &Store, email: &str) -> String {
    provider_token(store, email, Role::Admin).await
}

async fn provider_token(store: &Store, email: &str, role: Role) -> String {
    let cli = Actor::cli();
    let user: User = store
        .create_user(
            &cli,
            NewUser {
                email: email.to_owned(),
                display_name: String::new(),
                role,
                org_id: None,
                password: None,
            },
        )
        .await
        .expect("provider user");
    store
        .create_token(&cli, &user, "desk")
        .await
        .expect("token")
        .1
}

/// Two client organisations made in the store, with an owner's API token for each and a
/// provider analyst's: the fixture of the API tenancy tests.
pub struct TwoTenants {
    /// アルファ工業's id.
    pub alpha: String,
    /// ベータ商事's id.
    pub beta: String,
    /// owner@alpha.example's token.
    pub alpha_owner: String,
    /// owner@beta.example's token.
    pub beta_owner: String,
    /// analyst@mamori.example's token.
    pub analyst: String,
}

/// Makes [`TwoTenants`] in `store`.
pub async fn two_tenants(store: &Store) -> TwoTenants {
    let cli = Actor::cli();
    let alpha = store
        .create_org(&cli, org("アルファ工業"))
        .await
        .expect("alpha")
        .id;
    let beta = store
        .create_org(&cli, org("ベータ商事"))
        .await
        .expect("beta")
        .id;
    TwoTenants {
        alpha_owner: owner_token(store, &alpha, "owner@alpha.example").await,
        beta_owner: owner_token(store, &beta, "owner@beta.example").await,
        analyst: analyst_token(store, "analyst@mamori.example").await,
        alpha,
        beta,
    }
}

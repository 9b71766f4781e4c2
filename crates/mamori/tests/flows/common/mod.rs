//! Shared harness for flow tests: a real server on a random loopback port with a fresh
//! database, and helpers to drive it like a browser would (cookies, CSRF tokens, forms).

pub mod browser;
pub mod server;
pub mod tenants;

use mamori_store::Store;
use mamori_testkit::TestDatabase;

/// A running server.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Direct access to the same database, for assertions.
    pub store: Store,
    /// Which backend, for assertion messages.
    pub backend: &'static str,
    db: TestDatabase,
    server: mamori::serve::Running,
}

impl TestApp {
    /// The database's URL, for running the `mamori` binary against the same data.
    pub fn database_url(&self) -> &str {
        &self.db.url
    }

    /// Starts what `mamori serve` runs, through the same code, on `db` and a free loopback
    /// port: default settings, no mail server, and webhooks allowed to reach loopback,
    /// where the tests' webhook listeners are.
    pub async fn spawn(db: TestDatabase) -> TestApp {
        Self::spawn_with(db, &[]).await
    }

    /// [`TestApp::spawn`] with more `mamori serve` options, such as a syslog listener.
    pub async fn spawn_with(db: TestDatabase, extra: &[&str]) -> TestApp {
        let data_dir = db.data_dir.path().display().to_string();
        let mut options = vec![
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &db.url,
            "--data-dir",
            &data_dir,
            "--notify-allow-private",
            "127.0.0.0/8",
        ];
        options.extend_from_slice(extra);
        let server = mamori::serve::start_from(options)
            .await
            .expect("start the server");
        TestApp {
            base: format!("http://{}", server.address),
            store: server.store.clone(),
            backend: db.backend,
            db,
            server,
        }
    }

    /// An HTTP client that keeps cookies and does not follow redirects (tests look at them).
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client")
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server and removes the database.
    pub async fn stop(self) {
        self.server.stop().await.expect("the server stops cleanly");
        self.db.cleanup().await;
    }
}

/// The value of the first hidden `csrf` field in a page.
pub fn csrf_of(html: &str) -> String {
    value_of(html, "name=\"csrf\" value=\"").expect("page has a CSRF token")
}

/// The text after `marker` up to the next double quote, with HTML escapes undone.
pub fn value_of(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&#x2f;", "/")
            .replace("&#x27;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// The `Location` header of a redirect.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Completes first-run setup through the form and returns the signed-in admin's client.
pub async fn set_up(app: &TestApp) -> reqwest::Client {
    let admin = app.browser();
    let response = admin
        .post(app.url("/setup"))
        .form(&[
            ("provider_name", "守りサービス株式会社"),
            ("admin_name", "山田 花子"),
            ("email", "admin@mamori.example"),
            ("password", "admin password 123"),
            ("password_confirm", "admin password 123"),
        ])
        .send()
        .await
        .expect("setup request");
    assert_eq!(response.status(), 303, "setup on {}", app.backend);
    assert_eq!(location(&response), "/console/orgs");
    admin
}

/// Creates an organisation through the console form as `admin`; returns its id.
pub async fn create_org(app: &TestApp, admin: &reqwest::Client, name: &str) -> String {
    let page = admin
        .get(app.url("/console/orgs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let response = admin
        .post(app.url("/console/orgs"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("name", name),
            ("industry", "E"),
            ("employees", "6-20"),
            ("contact_email", "info@example.co.jp"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "create org on {}", app.backend);
    let to = location(&response);
    assert!(to.ends_with("?done=org_created"), "{to}");
    let path = to.split('?').next().unwrap_or_default();
    path.trim_start_matches("/orgs/").to_owned()
}

/// Invites `email` as `role` into `org_id` and accepts the invitation with `password`;
/// returns the new user's signed-in client.
pub async fn invite_and_accept(
    app: &TestApp,
    admin: &reqwest::Client,
    org_id: &str,
    email: &str,
    role: &str,
    password: &str,
) -> reqwest::Client {
    let page = admin
        .get(app.url(&format!("/orgs/{org_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let created = admin
        .post(app.url(&format!("/orgs/{org_id}/users")))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("email", email),
            ("display_name", "佐藤 一郎"),
            ("role", role),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200, "invite on {}", app.backend);
    let html = created.text().await.unwrap();
    let link = value_of(&html, "class=\"copy\" readonly value=\"").expect("invitation link shown");
    assert!(
        link.starts_with(&app.base),
        "link {link} points at this server"
    );
    let member = app.browser();
    let form = member.get(&link).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let accepted = member
        .post(&link)
        .form(&[("password", password), ("password_confirm", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        accepted.status(),
        303,
        "accept invitation on {}",
        app.backend
    );
    member
}

/// A set-up server's administrator, a new organisation named `name` and its owner
/// (`owner@alpha.example`), both signed in: the start of most organisation flows.
pub async fn org_with_owner(
    app: &TestApp,
    name: &str,
) -> (reqwest::Client, String, reqwest::Client) {
    let admin = set_up(app).await;
    let org = create_org(app, &admin, name).await;
    let owner = invite_and_accept(
        app,
        &admin,
        &org,
        "owner@alpha.example",
        "owner",
        "owner password 12",
    )
    .await;
    (admin, org, owner)
}

/// The HTML of `path` as `client` sees it.
pub async fn page_text(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    client
        .get(app.url(path))
        .send()
        .await
        .expect("page request")
        .text()
        .await
        .expect("page body")
}

/// Calls the API at `path` as the holder of `token`, with a JSON `body` when given: the status
/// and the JSON answer (null when there is none).
pub async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("API request");
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

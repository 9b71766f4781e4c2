//! A real headless Chromium driven through ChromeDriver (Debian's `chromium` and
//! `chromium-driver`). Tests that need it skip with a message on machines without it, except
//! in CI (`CI` set), where a missing browser is a failure.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// A browser session; ChromeDriver stops when this is dropped.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
}

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

impl Browser {
    /// Starts ChromeDriver and a headless Chromium, or returns `None` (after saying why) where
    /// they are not installed and this is not CI.
    pub async fn start() -> Option<Browser> {
        if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists()
        {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "CI needs {CHROMIUM} and {CHROMEDRIVER} (Debian packages chromium and chromium-driver)"
                );
            }
            eprintln!(
                "skipped: browser test needs {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": CHROMIUM,
                "prefs": { "intl.accept_languages": "ja,en" },
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1200,900",
                    "--lang=ja"
                ]
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Some(Browser { client, driver }),
                Err(e) => last_error = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not start a browser session: {last_error}");
    }

    /// Types `text` into the field matching `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        field.clear().await.ok();
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    /// Chooses `value` in the select matching `css`.
    pub async fn choose(&self, css: &str, value: &str) {
        let select = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        select
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{css}={value}: {e}"));
    }

    /// Opens console page `path` the way a person does: from the console's first page, by
    /// its link in the header.
    pub async fn open_from_nav(&self, app: &super::TestApp, path: &str) {
        self.client
            .goto(&app.url("/console/orgs"))
            .await
            .expect("console");
        self.click(&format!("nav a[href='{path}']")).await;
        self.wait_for_path(|p| p.ends_with(path)).await;
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    /// Waits until the current URL's path satisfies `check`; returns the path.
    pub async fn wait_for_path(&self, check: impl Fn(&str) -> bool) -> String {
        let mut path = String::new();
        for _ in 0..100 {
            if let Ok(url) = self.client.current_url().await {
                path = url.path().to_owned();
                if check(&path) {
                    return path;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the browser stayed on {path}");
    }

    /// The text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap_or_default()
    }

    /// Saves a PNG screenshot next to the test's build output, for people to look at.
    pub async fn screenshot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }

    /// Waits until the element matching `css` exists and contains `needle`: after a form is
    /// sent the page is replaced (the element may be missing for a moment), and pages on the
    /// same path give no path change to wait for.
    pub async fn wait_for_text(&self, css: &str, needle: &str) {
        for _ in 0..100 {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && element.text().await.is_ok_and(|t| t.contains(needle))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never showed {needle}");
    }

    /// Ends the session and stops ChromeDriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Signs in through the login form and waits to leave it.
pub async fn sign_in(browser: &Browser, app: &super::TestApp, email: &str, password: &str) {
    browser.client.goto(&app.url("/login")).await.unwrap();
    browser.fill("input[name=email]", email).await;
    browser.fill("input[name=password]", password).await;
    browser.click("form button.primary").await;
    browser.wait_for_path(|p| p != "/login").await;
}

/// Signs in as the owner `org_with_owner` makes and opens `section` of organisation `org`
/// (`assets`, `devices` …) the way the owner would: from the portal's menu.
pub async fn owner_opens(browser: &Browser, app: &super::TestApp, org: &str, section: &str) {
    sign_in(browser, app, "owner@alpha.example", "owner password 12").await;
    browser
        .client
        .goto(&app.url(&format!("/orgs/{org}")))
        .await
        .unwrap();
    browser
        .click(&format!("nav a[href='/orgs/{org}/{section}']"))
        .await;
}

impl Browser {
    /// Downloads `path` inside the page with the browser's own cookies, as a click on a
    /// download link would: the status, the content type and the first bytes.
    pub async fn download(&self, path: &str) -> (u16, String, Vec<u8>) {
        let script = "const [path, done] = arguments;
            fetch(path, {credentials: 'same-origin'}).then(r => r.arrayBuffer().then(b =>
                done([r.status, r.headers.get('content-type') || '', Array.from(new Uint8Array(b).slice(0, 8))])));";
        let answer = self
            .client
            .execute_async(script, vec![serde_json::json!(path)])
            .await
            .unwrap_or_else(|e| panic!("download {path}: {e}"));
        let status = answer[0].as_u64().unwrap_or(0) as u16;
        let content_type = answer[1].as_str().unwrap_or("").to_owned();
        let head = answer[2]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|b| b.as_u64())
                    .map(|b| b as u8)
                    .collect()
            })
            .unwrap_or_default();
        (status, content_type, head)
    }
}

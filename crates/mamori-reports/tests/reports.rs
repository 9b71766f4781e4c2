//! Monthly reports against real databases: a seeded month whose report states exactly the
//! figures the database holds (read back from the PDF with pdftotext and from the HTML), a
//! quiet month that reads as good news, immutable versions, tenant isolation, and the
//! monthly schedule on a fixed clock delivering through a real SMTP exchange.

mod seed;

use std::sync::Arc;
use std::time::Duration;

use mamori_catalog::Lang;
use mamori_model::{ReportJobStatus, Zone};
use mamori_model::{Role, Scope};
use mamori_notify::{DestinationPolicy, Notifier, SmtpSettings};
use mamori_reports::schedule::run_once;
use mamori_reports::{Month, Reporter, Request, ScheduleSettings};
use mamori_store::{Actor, NewUser, ReportSettings, Store, report_hash};
use mamori_testkit::TestDatabase;
use mamori_testkit::pdf::pdf_text;
use mamori_testkit::smtp::SmtpSink;

const NOVEMBER: &str = "2026-11";

fn tokyo() -> Zone {
    Zone::default()
}

fn reporter(store: &Store) -> Reporter {
    Reporter::new(
        store.clone(),
        Arc::new(mamori_typst::TypstRenderer::new().expect("fonts")),
    )
}

const CLI: Request<'static> = Request {
    trigger: "cli",
    created_by: None,
};

async fn count(url: &str, sql: &str, org: &str, from: i64, to: i64) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    let row: (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(org)
        .bind(from)
        .bind(to)
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    row.0
}

#[tokio::test]
async fn a_seeded_month_states_the_figures_in_the_database() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        store
            .setup(
                &Actor::cli(),
                "守りサービス株式会社",
                NewUser {
                    email: "admin@provider.example.jp".into(),
                    display_name: "管理 太郎".into(),
                    role: Role::Admin,
                    org_id: None,
                    password: None,
                },
            )
            .await
            .expect("setup");
        let month: Month = NOVEMBER.parse().unwrap();
        let (from, to) = month.bounds(tokyo());
        let (alpha, alpha_src) = seed::org_with_source(&store, "アルファ工業", "192.0.2.10").await;
        let (beta, _) = seed::org_with_source(&store, "ベータ商事", "192.0.2.20").await;
        seed::backdate(&db.url, &alpha, from - 30 * 86_400).await;
        seed::backdate(&db.url, &beta, from - 30 * 86_400).await;
        // 300 hours of logs, a 30-hour silence, then the rest of the month.
        seed::hourly_events(&store, &alpha, &alpha_src, from, 300, 4, 1).await;
        seed::hourly_events(&store, &alpha, &alpha_src, from + 330 * 3600, 390, 4, 2).await;
        seed::roll_up(&store, from, to).await;
        let mid = from + 10 * 86_400;
        seed::alerts(&store, &db.url, &alpha, "high", 2, mid, 3).await;
        seed::alerts(&store, &db.url, &alpha, "medium", 3, mid, 4).await;
        seed::alerts(&store, &db.url, &beta, "critical", 4, mid, 5).await;
        // The office PC's antivirus licence ended mid-month; the server's OS support ends in
        // January; beta's router is beta's alone.
        let devices = |org: &str| {
            let (store, org) = (store.clone(), org.to_owned());
            async move {
                store
                    .org_store(&Scope::AllOrganisations, &org)
                    .await
                    .unwrap()
            }
        };
        let mut pc = mamori_model::Device::new(mamori_model::DeviceKind::Pc, "経理PC");
        pc.antivirus_expires = "2026-11-15".into();
        let mut server =
            mamori_model::Device::new(mamori_model::DeviceKind::Server, "ファイルサーバー");
        server.os_support_ends = "2027-01-10".into();
        for device in [pc, server] {
            devices(&alpha)
                .await
                .devices()
                .save(&Actor::cli(), &device)
                .await
                .unwrap();
        }
        let mut router =
            mamori_model::Device::new(mamori_model::DeviceKind::Router, "ベータのルーター");
        router.support_ends = "2026-11-01".into();
        devices(&beta)
            .await
            .devices()
            .save(&Actor::cli(), &router)
            .await
            .unwrap();

        let report = reporter(&store)
            .monthly(&alpha, month, Lang::Ja, CLI)
            .await
            .expect("report");
        assert_eq!(
            (report.version, report.status.as_str()),
            (1, "red"),
            "{}",
            db.backend
        );
        let all = Scope::AllOrganisations;
        let pdf = store.report_pdf(&all, &report.id).await.unwrap();
        let html = store.report_html(&all, &report.id).await.unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        assert_eq!(report.sha256, report_hash(&pdf, &html));

        // The figures, counted straight from the database.
        let (from_us, to_us) = (from * 1_000_000, to * 1_000_000);
        let events = count(
            &db.url,
            "SELECT COUNT(*) FROM events WHERE org_id = $1 AND ts_us >= $2 AND ts_us < $3",
            &alpha,
            from_us,
            to_us,
        )
        .await;
        let denied = count(&db.url, "SELECT COUNT(*) FROM events WHERE org_id = $1 AND ts_us >= $2 AND ts_us < $3 AND action IN ('deny', 'drop')", &alpha, from_us, to_us).await;
        let high = count(&db.url, "SELECT COUNT(*) FROM alerts WHERE org_id = $1 AND created_at >= $2 AND created_at < $3 AND severity = 'high'", &alpha, from, to).await;
        let medium = count(&db.url, "SELECT COUNT(*) FROM alerts WHERE org_id = $1 AND created_at >= $2 AND created_at < $3 AND severity = 'medium'", &alpha, from, to).await;
        assert_eq!((events, denied, high, medium), (690, 173, 2, 3));

        let expected = [
            "アルファ工業".to_owned(),
            "2026年11月".to_owned(),
            format!("{}件のログ", mamori_model::group_digits(events)),
            format!(
                "{}件を、UTMやルーターが受け付けずに止めました",
                mamori_model::group_digits(denied)
            ),
            format!("今月のアラートは{}件でした", high + medium),
            // Every unresolved alert, as the console counts them, not only high ones.
            format!("未解決のアラート{}件", high + medium),
            "30時間".to_owned(),
            "3389".to_owned(),
            "203.0.113.7".to_owned(),
            "要対応".to_owned(),
            "IT機器2台のうち、月末時点で期限が過ぎたままのものが1件、その後60日以内に期限が来るものが1件です。".to_owned(),
            "経理PCのウイルス対策ソフトのライセンス（2026年11月15日）".to_owned(),
            "ファイルサーバーのOS のサポート終了（2027年1月10日）".to_owned(),
        ];
        let html_text = html.replace("\n", "");
        for needle in &expected {
            assert!(
                html_text.contains(needle.as_str()),
                "HTML lacks {needle:?} ({})",
                db.backend
            );
        }
        assert!(
            !html.contains("ベータ商事") && !html.contains("ベータのルーター"),
            "another tenant leaked into the report"
        );
        if let Some(text) = pdf_text(&pdf) {
            let flat: String = text.split_whitespace().collect::<Vec<_>>().join("");
            for needle in &expected {
                let squeezed: String = needle.split_whitespace().collect();
                assert!(
                    flat.contains(&squeezed),
                    "PDF lacks {needle:?} ({}):\n{text}",
                    db.backend
                );
            }
            let row = |word: &str, n: i64| {
                text.lines().any(|l| {
                    let cells: Vec<&str> = l.split_whitespace().collect();
                    cells
                        .windows(3)
                        .any(|w| w[0] == word && w[1] == n.to_string() && w[2] == "0")
                })
            };
            assert!(
                row("高", high) && row("中", medium),
                "severity table:\n{text}"
            );
            assert!(flat.contains("月次セキュリティレポート") && flat.contains("用語の説明"));
        }

        // Regenerating adds a version and leaves the first untouched.
        let again = reporter(&store)
            .monthly(&alpha, month, Lang::En, CLI)
            .await
            .unwrap();
        assert_eq!(again.version, 2);
        let first = store.report(&all, &report.id).await.unwrap().unwrap();
        assert_eq!(first.sha256, report.sha256);
        let alpha_reports = store.org_store(&all, &alpha).await.unwrap();
        assert_eq!(alpha_reports.reports().list().await.unwrap().len(), 2);

        // The other tenant sees none of it.
        let beta_scope = Scope::Organisation(beta.clone());
        assert!(store.org_store(&beta_scope, &alpha).await.is_err());
        assert!(
            store
                .report(&beta_scope, &report.id)
                .await
                .unwrap()
                .is_none()
        );
        assert!(store.report_pdf(&beta_scope, &report.id).await.is_err());
        assert!(
            store.overviews(&beta_scope).await.is_err(),
            "overviews are the provider's"
        );

        // The provider's overview puts the red organisations first.
        let overview = reporter(&store)
            .overview(month, Lang::Ja, CLI)
            .await
            .unwrap();
        let overview_html = store.report_html(&all, &overview.id).await.unwrap();
        let (a, b) = (
            overview_html.find("アルファ工業"),
            overview_html.find("ベータ商事"),
        );
        assert!(a.is_some() && b.is_some());
        store.close().await;
        db.cleanup().await;
    }
}

/// Lines that arrived today, some refused, with no roll-up run yet (as in the first hour after
/// they came in): this month's report and the provider's overview count every one of them, in
/// every section, and none of the "nothing arrived" sentences appears.
#[tokio::test]
async fn the_current_month_agrees_with_itself_before_any_roll_up() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let (org, source) = seed::org_with_source(&store, "今月工業", "192.0.2.30").await;
        let now = mamori_store::now();
        let today = tokyo().day_start(now);
        // Twelve lines an hour apart, ending now, all received today (JST); every third refused.
        let first = (now - 11 * 3600).max(today);
        let hours = (now - first) / 3600 + 1;
        let written = seed::hourly_events(&store, &org, &source, first - 60, hours, 3, 1).await;
        let denied = (0..hours).filter(|h| h % 3 == 0).count() as i64;
        let month = Month::containing(now, tokyo());

        let figures = mamori_reports::figures::gather(&store, &org, month, tokyo(), "ja", None)
            .await
            .expect("figures");
        let table: i64 = figures.sources.iter().map(|s| s.events).sum();
        let per_day: i64 = figures.events_per_day.iter().sum();
        assert_eq!(
            (figures.events, table, per_day, figures.blocked),
            (written, written, written, denied),
            "total, device table, daily chart and refused lines agree on {}",
            db.backend
        );
        assert_eq!(figures.days_with_logs, 1);
        assert_eq!(
            figures.blocked_sources,
            vec![("203.0.113.7".to_owned(), denied)]
        );

        // A consultation asked and answered this month.
        let owner = store
            .create_user(
                &Actor::cli(),
                NewUser {
                    email: "owner@kongetsu.example".into(),
                    display_name: "今月 花子".into(),
                    role: Role::Owner,
                    org_id: Some(org.clone()),
                    password: None,
                },
            )
            .await
            .expect("owner");
        let desk = store
            .create_user(
                &Actor::cli(),
                NewUser {
                    email: "desk@provider.example".into(),
                    display_name: String::new(),
                    role: Role::Analyst,
                    org_id: None,
                    password: None,
                },
            )
            .await
            .expect("analyst");
        let tenant = store
            .org_store(&Scope::AllOrganisations, &org)
            .await
            .expect("org");
        let asked = tenant
            .consultations()
            .open(
                &Actor::cli(),
                &owner,
                &mamori_store::NewConsultation {
                    topic: mamori_model::ConsultationTopic::LostDevice,
                    urgency: mamori_model::Urgency::High,
                    subject: "営業用ノートPCの紛失".into(),
                    body: "電車に置き忘れました。".into(),
                    attachments: Vec::new(),
                },
            )
            .await
            .expect("asked");
        let answer = mamori_store::Reply {
            body: "遠隔ロックの手順をお送りします。".into(),
            from_desk: true,
            status: mamori_model::ConsultationStatus::Resolved,
            attachments: Vec::new(),
        };
        tenant
            .consultations()
            .reply(&Actor::cli(), &desk, &asked.id, &answer)
            .await
            .expect("answered");

        // An engineer sent on site, arriving 45 minutes after the request.
        let incident = tenant
            .incidents()
            .report(&Actor::cli(), "PCの不調", "malware", "起動しない")
            .await
            .expect("incident");
        let visit = mamori_store::DispatchRecord {
            engineer: "現地担当".into(),
            arrived_at: Some(mamori_store::now() + 45 * 60),
            ..Default::default()
        };
        tenant
            .incidents()
            .dispatch(&Actor::cli(), &incident.id, &visit, "駆け付け")
            .await
            .expect("dispatch");

        // An important asset with a large risk whose measures are long overdue.
        let asset = tenant
            .assets()
            .save(
                &Actor::cli(),
                &mamori_model::InformationAsset {
                    name: "顧客データベース".into(),
                    confidentiality: 2,
                    registered_on: "2026-01-05".into(),
                    ..Default::default()
                },
            )
            .await
            .expect("asset");
        let line = mamori_model::RiskEntry {
            id: String::new(),
            asset_id: asset.id,
            threat: "unauthorised_access".into(),
            threat_level: 3,
            vulnerability: 3,
            treatment: Some(mamori_model::Treatment::Reduce),
            measures: "WAF を入れる".into(),
            owner: "田中".into(),
            due_on: "2000-01-31".into(),
            done_on: String::new(),
            residual_vulnerability: None,
        };
        tenant
            .risks()
            .save(&Actor::cli(), &line)
            .await
            .expect("risk");

        // A UTM whose IPS licence ended in the month and whose support contract ends soon.
        let last_day = tokyo().date(month.bounds(tokyo()).1 - 1);
        let (ended, ending) = (
            last_day - chrono::Days::new(10),
            last_day + chrono::Days::new(15),
        );
        let mut utm = mamori_model::Device::new(mamori_model::DeviceKind::Utm, "本社UTM");
        utm.licences = vec![mamori_model::UtmLicence {
            function: mamori_model::UtmFunction::Ips,
            expires_on: ended.format("%Y-%m-%d").to_string(),
        }];
        utm.support_ends = ending.format("%Y-%m-%d").to_string();
        tenant
            .devices()
            .save(&Actor::cli(), &utm)
            .await
            .expect("device");

        // The handbook is issued; one of the people who must read it has confirmed.
        let docs = tenant.documents();
        docs.add_reader(&Actor::cli(), "パート 田中").await.unwrap();
        docs.add_reader(&Actor::cli(), "パート 鈴木").await.unwrap();
        docs.approve_draft(&Actor::cli(), "handbook", "ja", "山田")
            .await
            .unwrap();
        let handbook = docs.issue(&Actor::cli(), "handbook", "{}").await.unwrap();
        let readers = docs.readers().await.unwrap();
        docs.acknowledge_handbook(&Actor::cli(), &handbook.id, &readers[0].key)
            .await
            .unwrap();
        let confirmations = format!(
            "情報セキュリティハンドブック（第1版）を読んだと確認した人は、{}人中1人（{}%）です。",
            readers.len(),
            100 / readers.len()
        );
        let remind = format!(
            "情報セキュリティハンドブックをまだ確認していない{}人に",
            readers.len() - 1
        );

        // A server runs the endpoint agent and last reported its firewall off.
        let (enrolment, _) = tenant
            .create_enrolment_token(&Actor::cli(), 3600)
            .await
            .unwrap();
        let enrolled = store
            .enrol_agent(
                &enrolment,
                &mamori_store::Enrolment {
                    hostname: "keiri-server".into(),
                    os: "Debian GNU/Linux".into(),
                    os_version: "12".into(),
                    kind: mamori_model::DeviceKind::Server,
                },
            )
            .await
            .unwrap();
        let posture: mamori_model::Posture = serde_json::from_value(serde_json::json!({
            "hostname": "keiri-server", "os": "Debian GNU/Linux",
            "checks": [{"id": "firewall", "status": "fail"}, {"id": "antivirus", "status": "pass"}]
        }))
        .unwrap();
        store
            .agent_heartbeat(&enrolled.token, Some(&posture), None)
            .await
            .unwrap();
        // Two alerts this month about that machine.
        seed::alerts_from(
            &store,
            &db.url,
            (&org, Some(&enrolled.agent.source_id)),
            "medium",
            2,
            now,
            77,
        )
        .await;

        let reporter = reporter(&store);
        let monthly = reporter
            .render_monthly(&org, month, Lang::Ja)
            .await
            .expect("report");
        assert!(
            monthly.html.contains(
                "<td>keiri-server</td><td class=\"num\">100%</td><td class=\"num\">2</td><td>ファイアウォール</td>"
            ),
            "the machine's row: {}",
            monthly.html
        );
        let text = pdf_text(&monthly.pdf).expect("pdftotext reads the PDF");
        let flat: String = text.split_whitespace().collect();
        assert!(
            flat.contains("keiri-server100%2ファイアウォール"),
            "the PDF has the row too:\n{text}"
        );
        for needle in [
            "1台のパソコン・サーバーを端末エージェントで見守りました。対策が不十分な項目がある機器は1台です。",
            confirmations.as_str(),
            remind.as_str(),
            // The UTM and the enrolled server.
            "IT機器2台のうち、月末時点で期限が過ぎたままのものが1件、その後60日以内に期限が来るものが1件です。",
            &format!(
                "本社UTMの不正侵入防止（IPS）（{}）",
                ended.format("%Y年%-m月%-d日")
            ),
            &format!("本社UTMの保守契約（{}）", ending.format("%Y年%-m月%-d日")),
            "IT機器のライセンスやサポートで、期限が過ぎたままのものが1件あります。",
            "今月の駆け付けは1件で、依頼から到着まで平均45分でした。",
            "今月受け付けた、または対応が続いている相談は1件です。",
            "営業用ノートPCの紛失",
            "パソコンやスマートフォンをなくした",
            "解決済み",
            "1分",
            "情報資産1件、リスク分析1件のうち、大きなリスクが1件、期限を過ぎた対策が1件です（月末時点）。",
            "リスク分析で期限を過ぎた対策が1件あります。",
        ] {
            assert!(monthly.html.contains(needle), "report lacks {needle:?}");
        }
        // Retired later in the month, the server is still in this month's report.
        tenant
            .retire_agent(&Actor::cli(), &enrolled.agent.id)
            .await
            .unwrap();
        let again = reporter
            .render_monthly(&org, month, Lang::Ja)
            .await
            .expect("report");
        assert!(
            again.html.contains("<td>keiri-server</td>"),
            "a machine retired this month is reported: {}",
            again.html
        );
        let overview = reporter
            .render_overview(month, Lang::Ja)
            .await
            .expect("overview");
        assert!(
            overview
                .html
                .contains("今月の駆け付けは1件で、依頼から到着まで平均45分でした。"),
            "the provider's overview counts the visits too"
        );
        for (what, html) in [("report", &monthly.html), ("overview", &overview.html)] {
            for silent in [
                "今月は機器からログが届いていません",
                "今月はログが1件も届きませんでした",
                "機器が止めた通信の記録は、今月はありませんでした",
            ] {
                assert!(!html.contains(silent), "{what} says {silent:?}");
            }
        }
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_quiet_month_says_what_was_watched_and_that_nothing_needed_action() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let month: Month = NOVEMBER.parse().unwrap();
        let (from, to) = month.bounds(tokyo());
        let (org, src) = seed::org_with_source(&store, "静か工務店", "192.0.2.30").await;
        seed::backdate(&db.url, &org, from - 86_400).await;
        let hours = (to - from) / 3600;
        seed::hourly_events(&store, &org, &src, from, hours, 1_000_000, 1).await;
        seed::roll_up(&store, from, to).await;
        // With a consultation desk set, the report ends by saying how to reach it.
        let admin = NewUser {
            email: "admin@provider.example".into(),
            display_name: String::new(),
            role: mamori_model::Role::Admin,
            org_id: None,
            password: None,
        };
        store
            .setup(&Actor::cli(), "守りサービス", admin)
            .await
            .unwrap();
        let desk = mamori_store::Desk {
            name: "守りサービス 相談窓口".into(),
            phone: "03-1234-5678".into(),
            ..Default::default()
        };
        store.set_desk(&Actor::cli(), &desk).await.unwrap();
        let report = reporter(&store)
            .monthly(&org, month, Lang::Ja, CLI)
            .await
            .unwrap();
        assert_eq!(report.status, "green", "{}", db.backend);
        let html = store
            .report_html(&Scope::AllOrganisations, &report.id)
            .await
            .unwrap();
        for needle in [
            "問題なし",
            "対応が必要な問題は見つかりませんでした",
            &format!(
                "1台の機器から届いた{}件のログを、30日間",
                mamori_model::group_digits(hours)
            ),
            "今月、アラートは1件もありませんでした",
            "今月、インシデントはありませんでした",
            "今月、相談窓口への相談はありませんでした。",
            "今月、駆け付けはありませんでした。",
            "100%",
            "自社診断（25問、5分ほど）",
            "情報資産の台帳はまだありません",
            "IT機器の台帳はまだありません。",
            "情報セキュリティハンドブックはまだ発行されていません。",
            "用語の説明",
            "<svg",
            "困ったときの相談先：守りサービス 相談窓口（電話 03-1234-5678）",
        ] {
            assert!(html.contains(needle), "quiet report lacks {needle:?}");
        }
        let pdf = store
            .report_pdf(&Scope::AllOrganisations, &report.id)
            .await
            .unwrap();
        if let Some(text) = pdf_text(&pdf) {
            let flat: String = text.split_whitespace().collect();
            assert!(
                flat.contains("対応が必要な問題は見つかりませんでした"),
                "{text}"
            );
            assert!(
                flat.contains("日ごとのログの件数"),
                "the chart's title is drawn: {text}"
            );
            assert!(flat.contains("03-1234-5678"), "the desk in the PDF: {text}");
        }
        store.close().await;
        db.cleanup().await;
    }
}

fn at(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp()
}

#[tokio::test]
async fn the_schedule_makes_archives_and_mails_each_report_once() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let sink = SmtpSink::start().await;
        let notifier = Notifier::new(
            Some(
                SmtpSettings::from_url(&sink.url(), "mamori <reports@provider.example.jp>")
                    .unwrap(),
            ),
            DestinationPolicy::public_only(),
        )
        .unwrap();
        let month: Month = NOVEMBER.parse().unwrap();
        let (from, _) = month.bounds(tokyo());
        let (org, _) = seed::org_with_source(&store, "定期便製作所", "192.0.2.40").await;
        seed::backdate(&db.url, &org, from - 86_400).await;
        let (late, _) = seed::org_with_source(&store, "十二月設立", "192.0.2.41").await;
        store
            .org_store(&Scope::AllOrganisations, &org)
            .await
            .unwrap()
            .reports()
            .set_settings(
                &Actor::cli(),
                &ReportSettings {
                    recipients: vec!["boss@teiki.example.jp".into(), "it@teiki.example.jp".into()],
                    lang: "ja".into(),
                    delivery: "attachment".into(),
                },
            )
            .await
            .unwrap();
        let r = reporter(&store);
        let settings = ScheduleSettings::default();

        let early = run_once(&r, &notifier, &settings, at("2026-12-01T05:59:00+09:00"))
            .await
            .unwrap();
        assert_eq!(early.scheduled, 0, "not due before 06:00 on the 1st");
        let due = at("2026-12-01T06:00:00+09:00");
        let first = run_once(&r, &notifier, &settings, due).await.unwrap();
        assert_eq!(
            (first.scheduled, first.generated),
            (1, 1),
            "only the organisation that existed in November"
        );
        let second = run_once(&r, &notifier, &settings, due + 60).await.unwrap();
        assert_eq!(second.delivered, 1);
        let third = run_once(&r, &notifier, &settings, due + 120).await.unwrap();
        assert_eq!(
            (third.scheduled, third.generated, third.delivered),
            (0, 0, 0),
            "nothing twice"
        );

        let mails = sink.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].to.len(), 2);
        assert!(
            mails[0].subject().contains("2026年11月"),
            "{}",
            mails[0].subject()
        );
        let files = mails[0].attachments();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "mamori-monthly-2026-11-v1.pdf");
        let reports = store
            .org_store(&Scope::AllOrganisations, &org)
            .await
            .unwrap()
            .reports()
            .list()
            .await
            .unwrap();
        assert_eq!(reports.len(), 1);
        let archived = store
            .report_pdf(&Scope::AllOrganisations, &reports[0].id)
            .await
            .unwrap();
        assert_eq!(files[0].1, archived, "the mail carries the archived PDF");
        let jobs = store.report_jobs(Some(NOVEMBER)).await.unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].status, ReportJobStatus::Delivered);
        assert!(jobs[0].response.as_deref().unwrap_or("").starts_with("250"));
        assert!(
            store
                .org_store(&Scope::AllOrganisations, &late)
                .await
                .unwrap()
                .reports()
                .list()
                .await
                .unwrap()
                .is_empty()
        );

        // December's run fails to reach a mail server, retries, gives up and stays visible.
        let broken = Notifier::new(
            Some(
                SmtpSettings::from_url(
                    "smtp://127.0.0.1:9",
                    "mamori <reports@provider.example.jp>",
                )
                .unwrap(),
            ),
            DestinationPolicy::public_only(),
        )
        .unwrap();
        let quick = ScheduleSettings {
            retry_secs: vec![60],
            ..ScheduleSettings::default()
        };
        let jan = at("2027-01-01T06:00:00+09:00");
        let made = run_once(&r, &broken, &quick, jan).await.unwrap();
        assert_eq!((made.scheduled, made.generated), (2, 2));
        let failing = run_once(&r, &broken, &quick, jan + 1).await.unwrap();
        assert_eq!(failing.failed, 2);
        let gave_up = run_once(&r, &broken, &quick, jan + 61).await.unwrap();
        assert_eq!(gave_up.failed, 2);
        let december = store.report_jobs(Some("2026-12")).await.unwrap();
        assert!(
            december.iter().all(|j| j.status == ReportJobStatus::Failed),
            "{december:?}"
        );
        assert!(
            december
                .iter()
                .all(|j| j.last_error.as_deref().is_some_and(|e| !e.is_empty()))
        );
        store.retry_report_job(&december[0].id).await.unwrap();
        let retried = run_once(&r, &notifier, &quick, jan + 120).await.unwrap();
        assert_eq!(
            retried.delivered, 1,
            "a retried job goes out once the server answers"
        );
        store.close().await;
        db.cleanup().await;
    }
}

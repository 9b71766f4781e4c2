//! Devices' end dates against a real database and a real HTTP listener: 30 days before a
//! UTM licence ends the company's channel gets a reminder (the provider's does not), on the
//! day an antivirus licence ends an alert goes to both, nothing is sent twice, the 7-day
//! reminder follows when the clock moves on, a renewed date silences the old one, and the
//! alert of a renewed date is resolved by mamori with a word to both channels.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use mamori_alerts::{AlertSettings, END_DATE_RULE, watch_end_dates};
use mamori_model::{Device, DeviceKind, Scope, Severity, UtmFunction, UtmLicence};
use mamori_notify::{DestinationPolicy, Notifier};
use mamori_store::{Actor, AlertFilter, NewChannel, Store, now};
use mamori_testkit::TestDatabase;
use serde_json::json;

use crate::watch::{deliver_all, two_companies, webhook};

fn on(today: NaiveDate, days: u64) -> String {
    today
        .checked_add_days(Days::new(days))
        .unwrap()
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn end_dates_bring_reminders_to_the_company_and_an_alert_on_the_day() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let all = Scope::AllOrganisations;
        let (alpha, beta, sink) = two_companies(&store).await;
        let provider = NewChannel {
            org_id: None,
            kind: "webhook".into(),
            config: json!({"kind": "webhook", "url": sink.url("/provider")}),
            ..webhook(&alpha, "")
        };
        store.create_channel(&cli, &all, provider).await.unwrap();
        let settings = AlertSettings::default();
        let notifier =
            Notifier::new(None, DestinationPolicy::from_list(&["127.0.0.1"]).unwrap()).unwrap();
        let notifier = Arc::new(notifier);
        let start = now();
        let today = settings.zone.date(start);

        let alpha_store = store.org_store(&all, &alpha).await.unwrap();
        let mut utm = Device::new(DeviceKind::Utm, "本社UTM");
        utm.licences = vec![UtmLicence {
            function: UtmFunction::Ips,
            expires_on: on(today, 30),
        }];
        let utm = alpha_store.devices().save(&cli, &utm).await.unwrap();
        let mut pc = Device::new(DeviceKind::Pc, "経理PC");
        pc.antivirus_expires = on(today, 0);
        let pc = alpha_store.devices().save(&cli, &pc).await.unwrap();
        let mut server = Device::new(DeviceKind::Server, "ファイルサーバー");
        server.os_support_ends = on(today, 100);
        let beta_store = store.org_store(&all, &beta).await.unwrap();
        beta_store.devices().save(&cli, &server).await.unwrap();

        let first = watch_end_dates(&store, &settings, start).await.unwrap();
        assert_eq!(
            (first.reminders, first.alerts, first.queued),
            (1, 1, 3),
            "one reminder to alpha's channel; one alert to alpha's and the provider's"
        );
        let mut bodies = deliver_all(&store, &notifier, &settings, &sink, 3).await;
        let sent = sink.requests();
        let paths: Vec<(&str, &str)> = sent
            .iter()
            .zip(&bodies)
            .map(|(r, b)| (r.path.as_str(), b["type"].as_str().unwrap()))
            .collect();
        assert!(
            paths.contains(&("/alpha", "reminder"))
                && paths.contains(&("/alpha", "alert"))
                && paths.contains(&("/provider", "alert"))
                && !paths.iter().any(|(p, _)| *p == "/beta"),
            "{paths:?}"
        );
        bodies.sort_by_key(|b| b["type"].as_str().unwrap().to_owned());
        let reminder = &bodies[2];
        assert_eq!(reminder["alert"]["title"], "本社UTMの不正侵入防止（IPS）");
        assert_eq!(reminder["alert"]["source"], "本社UTM");
        let date = today.checked_add_days(Days::new(30)).unwrap();
        assert_eq!(
            reminder["alert"]["seen"],
            format!(
                "不正侵入防止（IPS）の期限は {} です（あと30日）。",
                date.format("%Y/%m/%d")
            )
        );
        assert!(reminder["text"].as_str().unwrap().starts_with("お知らせ"));
        let alert = &bodies[0];
        assert_eq!(alert["alert"]["rule_id"], END_DATE_RULE);
        assert_eq!(
            alert["alert"]["title"],
            "経理PCのウイルス対策ソフトのライセンスの期限が切れました"
        );
        assert_eq!(alert["alert"]["severity"], "high");

        // Nothing is sent twice for the same day and stage.
        let again = watch_end_dates(&store, &settings, start).await.unwrap();
        assert_eq!((again.reminders, again.alerts), (0, 0));

        // 24 days on, the IPS licence has 6 days left: the 7-day reminder. The lapsed
        // antivirus is not raised again.
        let later = start + 24 * 86_400;
        let week = watch_end_dates(&store, &settings, later).await.unwrap();
        assert_eq!((week.reminders, week.alerts, week.queued), (1, 0, 1));
        let bodies = deliver_all(&store, &notifier, &settings, &sink, 4).await;
        assert!(
            bodies[3]["alert"]["seen"]
                .as_str()
                .unwrap()
                .contains("あと6日"),
            "{}",
            bodies[3]
        );

        // Renewed: the new date is 400 days away and nothing is due.
        let mut renewed = utm.clone();
        renewed.licences[0].expires_on = on(today, 400);
        alpha_store.devices().save(&cli, &renewed).await.unwrap();
        let calm = watch_end_dates(&store, &settings, later + 86_400)
            .await
            .unwrap();
        assert_eq!((calm.reminders, calm.alerts), (0, 0));

        let alerts = store
            .alerts(&all, &AlertFilter::default())
            .await
            .unwrap()
            .alerts;
        assert_eq!(alerts.len(), 1);
        assert_eq!(
            (alerts[0].org_id.as_str(), alerts[0].severity_level()),
            (alpha.as_str(), Severity::High)
        );

        // The antivirus is renewed: mamori resolves its alert and tells both channels why.
        let mut renewed = pc.clone();
        renewed.antivirus_expires = on(today, 365);
        alpha_store.devices().save(&cli, &renewed).await.unwrap();
        let cleared = watch_end_dates(&store, &settings, later + 86_400)
            .await
            .unwrap();
        assert_eq!((cleared.resolved, cleared.queued), (1, 2));
        let bodies = deliver_all(&store, &notifier, &settings, &sink, 6).await;
        for body in &bodies[4..] {
            assert_eq!(body["type"], "resolved");
            assert_eq!(
                body["alert"]["seen"],
                "経理PCのウイルス対策ソフトのライセンスの期限が IT機器の台帳で書き換えられました。"
            );
        }
        let alert = store.alert(&all, &alerts[0].id).await.unwrap().unwrap();
        assert_eq!(alert.status, mamori_model::AlertStatus::Resolved);
        let calm = watch_end_dates(&store, &settings, later + 86_400)
            .await
            .unwrap();
        assert_eq!((calm.resolved, calm.alerts, calm.reminders), (0, 0, 0));
    }
}

//! Endpoints' posture as alerts: when a machine's report shows a check that passed (or was
//! not reported) now failing, an alert goes to the organisation's and the provider's channels,
//! as urgent as `mamori-risk`'s `posture.toml` says; when a later report shows it in place
//! again, mamori resolves the alert and says why. Judged on the change between two reports,
//! so an alert someone resolved by hand is not raised again while nothing changes.

use mamori_model::{CheckId, CheckStatus, Lang, Posture, fill};
use mamori_risk::posture::{advice, severity};
use mamori_store::{Agent, AlertFacts, NewAlert, Store};
use serde_json::json;

use crate::promote::{Audience, Raised, raise};
use crate::seen::words;
use crate::watch::resolve_and_tell;
use crate::{AlertSettings, AlertsError};

/// The rule id of posture alerts.
pub const POSTURE_RULE: &str = "mamori-endpoint-posture";

/// What one report changed: alerts opened and resolved, and the notices queued.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PostureChange {
    /// Checks that turned to fail.
    pub opened: usize,
    /// Checks back in place.
    pub resolved: usize,
    /// Notices queued for either.
    pub queued: usize,
}

fn group_key(agent: &Agent, id: CheckId) -> String {
    format!("posture:{}:{}", agent.id, id.as_str())
}

fn failing(posture: Option<&Posture>, id: CheckId) -> bool {
    posture
        .and_then(|p| p.check(id))
        .is_some_and(|c| c.status == CheckStatus::Fail)
}

/// Raises and resolves the alerts `agent`'s newest report calls for, against the report it
/// had `before` (none for its first).
pub async fn posture_changed(
    store: &Store,
    settings: &AlertSettings,
    agent: &Agent,
    before: Option<&Posture>,
    now: i64,
) -> Result<PostureChange, AlertsError> {
    let after = agent.posture.as_ref();
    let turned_bad: Vec<CheckId> = CheckId::ALL
        .into_iter()
        .filter(|id| failing(after, *id) && !failing(before, *id))
        .collect();
    let turned_good: Vec<CheckId> = CheckId::ALL
        .into_iter()
        .filter(|id| failing(before, *id) && !failing(after, *id) && after.is_some())
        .collect();
    let mut done = PostureChange::default();
    if turned_bad.is_empty() && turned_good.is_empty() {
        return Ok(done);
    }
    let mut tx = store.begin_alerting().await?;
    for id in turned_bad {
        let alert = posture_alert(agent, id, now);
        if let Raised::Opened { queued, .. } =
            raise(&mut tx, &alert, &settings.rules, Audience::Everyone).await?
        {
            done.opened += 1;
            done.queued += queued;
        }
    }
    for id in turned_good {
        let key = group_key(agent, id);
        if let Some(open) = tx.latest_alert(&agent.org_id, &key).await?
            && open.status.is_open()
        {
            done.queued += resolve_and_tell(&mut tx, &agent.org_id, &open.id, severity(id)).await?;
            done.resolved += 1;
        }
    }
    tx.commit().await?;
    Ok(done)
}

/// The alert saying check `id` fails on `agent`'s machine, seen at `now`.
fn posture_alert(agent: &Agent, id: CheckId, now: i64) -> NewAlert {
    let evidence = agent
        .posture
        .as_ref()
        .and_then(|p| p.check(id))
        .map(|c| c.evidence.clone())
        .unwrap_or_default();
    let text = |lang: Lang, template: fn(&crate::seen::Words) -> &String| {
        let check = advice(id, lang).name;
        fill(
            template(words(lang)),
            &[
                ("device", &agent.hostname),
                ("check", check),
                ("evidence", &evidence),
            ],
        )
    };
    NewAlert {
        org_id: agent.org_id.clone(),
        group_key: group_key(agent, id),
        source_id: Some(agent.source_id.clone()),
        seen_us: now * 1_000_000,
        events: 1,
        facts: AlertFacts {
            rule_id: POSTURE_RULE.to_owned(),
            rule_title: text(Lang::En, |w| &w.posture_title),
            title_ja: Some(text(Lang::Ja, |w| &w.posture_title)),
            severity: severity(id),
            details: json!({
                "kind": "system",
                "tags": [],
                "check": id.as_str(),
                "agent_id": agent.id,
                "guidance": {
                    "action_ja": advice(id, Lang::Ja).todo,
                    "action_en": advice(id, Lang::En).todo,
                    "seen_ja": text(Lang::Ja, |w| &w.posture_seen),
                    "seen_en": text(Lang::En, |w| &w.posture_seen),
                    "cleared_ja": text(Lang::Ja, |w| &w.posture_fixed),
                    "cleared_en": text(Lang::En, |w| &w.posture_fixed),
                },
            }),
        },
    }
}

//! The quarantine: lines from senders no registered source matches. They are never dropped
//! silently: every line is counted per sender, the first lines of each sender are kept, and
//! the provider sees them and can assign the sender to an organisation's source.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{Any, Transaction};

use crate::events::{NewEvent, insert_events};
use crate::{Store, StoreError};

/// How many lines are kept per unknown sender; the rest are only counted, so that a
/// scanner spraying the listener cannot fill the disk.
pub const KEPT_PER_SENDER: i64 = 1000;

/// One line from an unknown sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantineLine {
    /// Identifier given when the line was queued.
    pub id: String,
    /// The sender's address.
    pub peer: String,
    /// `udp`, `tcp` or `tls`.
    pub transport: String,
    /// When it arrived.
    pub received_at: i64,
    /// The line as received.
    pub raw: String,
}

/// An unknown sender as the provider sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantineSender {
    /// The sender's address.
    pub peer: String,
    /// How its last line arrived.
    pub transport: String,
    /// First line received.
    pub first_seen: i64,
    /// Last line received.
    pub last_seen: i64,
    /// Lines received in all.
    pub lines: i64,
    /// Lines kept for inspection.
    pub kept: i64,
}

/// Counts `lines` per sender and keeps those under each sender's cap.
pub(crate) async fn insert_quarantine(
    tx: &mut Transaction<'_, Any>,
    lines: &[QuarantineLine],
) -> Result<(), StoreError> {
    let mut by_peer: HashMap<&str, Vec<&QuarantineLine>> = HashMap::new();
    for line in lines {
        by_peer.entry(line.peer.as_str()).or_default().push(line);
    }
    for (peer, lines) in by_peer {
        let kept: Option<(i64,)> =
            sqlx::query_as("SELECT kept FROM quarantine_senders WHERE peer = $1")
                .bind(peer)
                .fetch_optional(&mut **tx)
                .await?;
        let room = (KEPT_PER_SENDER - kept.map(|(k,)| k).unwrap_or(0)).max(0);
        let keep = lines.len().min(usize::try_from(room).unwrap_or(0));
        for line in &lines[..keep] {
            sqlx::query(
                "INSERT INTO quarantine_lines (id, peer, received_at, raw) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(&line.id)
            .bind(peer)
            .bind(line.received_at)
            .bind(&line.raw)
            .execute(&mut **tx)
            .await?;
        }
        let first = lines.iter().map(|l| l.received_at).min().unwrap_or(0);
        let last = lines.iter().map(|l| l.received_at).max().unwrap_or(0);
        let transport = lines.last().map(|l| l.transport.as_str()).unwrap_or("");
        sqlx::query(
            "INSERT INTO quarantine_senders (peer, transport, first_seen, last_seen, lines, kept)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (peer) DO UPDATE SET transport = excluded.transport,
                 last_seen = excluded.last_seen,
                 lines = quarantine_senders.lines + excluded.lines,
                 kept = quarantine_senders.kept + excluded.kept",
        )
        .bind(peer)
        .bind(transport)
        .bind(first)
        .bind(last)
        .bind(lines.len() as i64)
        .bind(keep as i64)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Every unknown sender, most recent first. Provider staff only: the caller checks.
    pub async fn quarantine_senders(&self) -> Result<Vec<QuarantineSender>, StoreError> {
        let rows: Vec<(String, String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT peer, transport, first_seen, last_seen, lines, kept FROM quarantine_senders
             ORDER BY last_seen DESC, peer",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(peer, transport, first_seen, last_seen, lines, kept)| QuarantineSender {
                    peer,
                    transport,
                    first_seen,
                    last_seen,
                    lines,
                    kept,
                },
            )
            .collect())
    }

    /// The kept lines of sender `peer`, oldest first.
    pub async fn quarantined_lines(
        &self,
        peer: &str,
        limit: i64,
    ) -> Result<Vec<QuarantineLine>, StoreError> {
        let rows: Vec<(String, String, String, i64, String)> = sqlx::query_as(
            "SELECT l.id, l.peer, s.transport, l.received_at, l.raw
             FROM quarantine_lines l JOIN quarantine_senders s ON s.peer = l.peer
             WHERE l.peer = $1 ORDER BY l.id LIMIT $2",
        )
        .bind(peer)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, peer, transport, received_at, raw)| QuarantineLine {
                id,
                peer,
                transport,
                received_at,
                raw,
            })
            .collect())
    }

    /// Settles sender `peer`: stores `events` (its kept lines, parsed for the source it was
    /// assigned to; empty when the sender is dismissed) and forgets the sender, in one
    /// transaction.
    pub async fn settle_quarantine(
        &self,
        peer: &str,
        events: &[NewEvent],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_events(&mut tx, self.backend, events).await?;
        for sql in [
            "DELETE FROM quarantine_lines WHERE peer = $1",
            "DELETE FROM quarantine_senders WHERE peer = $1",
        ] {
            sqlx::query(sql).bind(peer).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

//! The UDP syslog listener (RFC 5426: one message per datagram).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::net::UdpSocket;
use tokio::sync::watch;

use super::framing::trim_end;
use super::{Counters, now_us};
use crate::queue::Queue;
use crate::source::Origin;

/// Receives datagrams on `socket` until `shutdown` turns true. UDP cannot be slowed down:
/// when the queue is at its bound (or cannot be written) datagrams are dropped and counted.
pub async fn run_udp(
    socket: UdpSocket,
    queue: Queue,
    counters: Arc<Counters>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let (n, peer) = tokio::select! {
            received = socket.recv_from(&mut buf) => match received {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::debug!(error = %e, "syslog UDP receive failed");
                    continue;
                }
            },
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let message = trim_end(&buf[..n]);
        if message.is_empty() {
            continue;
        }
        if !queue.has_room() {
            counters.udp_dropped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let origin = Origin::Udp(peer.ip().to_canonical());
        match queue.append(&origin, now_us(), &[message]) {
            Ok(_) => counters.add("udp", 1),
            Err(e) => {
                counters.udp_dropped.fetch_add(1, Ordering::Relaxed);
                tracing::error!(error = %e, "cannot queue a UDP syslog message");
            }
        }
    }
}

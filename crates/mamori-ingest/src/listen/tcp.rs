//! The plain TCP syslog listener, and the accept loop it shares with TLS.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::Counters;
use super::stream::serve_stream;
use crate::queue::Queue;
use crate::source::Origin;

/// Accepts connections on `listener`, running `handle` for each in its own task, until
/// `shutdown` turns true; then waits for the open connections to finish (they watch
/// `shutdown` too and queue what they have read).
pub(super) async fn accept_loop<F, Fut>(
    listener: TcpListener,
    mut shutdown: watch::Receiver<bool>,
    transport: &'static str,
    handle: F,
) where
    F: Fn(TcpStream, SocketAddr) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|stop| *stop) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        match accepted {
            Ok((socket, peer)) => {
                let _ = socket.set_nodelay(true);
                connections.spawn(handle(socket, peer));
            }
            Err(e) => {
                // Out of file descriptors and the like: wait a moment rather than spin.
                tracing::warn!(transport, error = %e, "syslog accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    while connections.join_next().await.is_some() {}
}

/// Accepts plain syslog TCP connections on `listener` until `shutdown` turns true, keeping at
/// most `max_message` bytes of any one message.
pub async fn run_tcp(
    listener: TcpListener,
    queue: Queue,
    counters: Arc<Counters>,
    max_message: usize,
    shutdown: watch::Receiver<bool>,
) {
    let stop = shutdown.clone();
    accept_loop(listener, stop, "tcp", move |socket, peer| {
        let (queue, counters, shutdown) = (queue.clone(), counters.clone(), shutdown.clone());
        async move {
            let origin = Origin::Tcp(peer.ip().to_canonical());
            if let Err(e) =
                serve_stream(socket, origin, queue, &counters, max_message, shutdown).await
            {
                tracing::debug!(%peer, error = %e, "syslog TCP connection ended with an error");
            }
        }
    })
    .await;
}

//! One syslog stream connection, plain TCP or TLS alike: read, frame, queue, and close only
//! once everything read is safely queued.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

use super::{Counters, Framer, now_us};
use crate::queue::Queue;
use crate::source::Origin;

/// Bytes read from the socket at a time.
const READ_SIZE: usize = 64 << 10;

/// Serves one connection until the sender closes it or `shutdown` turns true; messages longer
/// than `max_message` bytes are cut there (see [`Framer`]). Each read is
/// queued before the next read; when storage lags and the queue is at its bound, reading
/// waits (the sender's TCP window fills and it slows down). On the way out, what is left
/// is queued and synced before mamori closes its side: that close is the sender's
/// acknowledgement.
pub async fn serve_stream<S>(
    mut stream: S,
    origin: Origin,
    queue: Queue,
    counters: &Counters,
    max_message: usize,
    mut shutdown: watch::Receiver<bool>,
) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut framer = Framer::new(max_message);
    let mut buf = vec![0u8; READ_SIZE];
    let mut last = 0;
    loop {
        tokio::select! {
            _ = queue.wait_for_room() => {}
            _ = shutdown.wait_for(|stop| *stop) => break,
        }
        let n = tokio::select! {
            read = stream.read(&mut buf) => read?,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        if n == 0 {
            break;
        }
        framer.push(&buf[..n]);
        let messages = framer.split();
        if !messages.is_empty() {
            last = queue.append(&origin, now_us(), &messages)?;
            counters.add(origin.transport(), messages.len() as u64);
        }
    }
    if let Some(rest) = framer.finish() {
        last = queue.append(&origin, now_us(), &[rest])?;
        counters.add(origin.transport(), 1);
    }
    queue.wait_durable(last).await;
    stream.shutdown().await
}

//! The queue on a real directory: order, restarts, torn writes, segment roll-over and
//! deletion, and the disk bound.

use std::io::Write;

use super::*;
use crate::source::Origin;

fn config(dir: &Path) -> QueueConfig {
    QueueConfig {
        dir: dir.to_path_buf(),
        fsync: FsyncPolicy::Never,
        segment_bytes: 1024,
        max_bytes: 4096,
    }
}

fn origin() -> Origin {
    Origin::Tcp("192.0.2.7".parse().expect("address"))
}

fn append(queue: &Queue, from: usize, to: usize) -> u64 {
    let lines: Vec<String> = (from..to).map(|i| format!("line {i}")).collect();
    let refs: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    queue.append(&origin(), 1, &refs).expect("append")
}

async fn read_all(reader: &mut Reader) -> Vec<String> {
    let (_stop, mut shutdown) = watch::channel(false);
    let mut lines = Vec::new();
    while reader.queue().stats().written_seq >= reader.next {
        for record in reader.next_batch(7, &mut shutdown).await.expect("read") {
            lines.push(String::from_utf8(record.line).expect("utf-8"));
        }
    }
    lines
}

use tokio::sync::watch;

#[tokio::test]
async fn lines_come_back_in_order_across_segments_and_restarts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (queue, mut reader) = open(config(dir.path()), 0).expect("open");
    for start in (0..100).step_by(10) {
        append(&queue, start, start + 10);
    }
    let lines = read_all(&mut reader).await;
    assert_eq!(lines.len(), 100);
    assert_eq!(lines[99], "line 99");
    assert!(
        queue.segment_firsts().len() > 3,
        "rolled over to new segments"
    );

    // Storage has the first 60: segments wholly below are deleted, the rest replayed.
    queue.release(60).expect("release");
    assert!(queue.segment_firsts()[0] <= 61);
    drop((queue, reader));
    let (queue, mut reader) = open(config(dir.path()), 60).expect("reopen");
    let lines = read_all(&mut reader).await;
    assert_eq!(lines.first().map(String::as_str), Some("line 60"));
    assert_eq!(lines.len(), 40);
    assert_eq!(append(&queue, 100, 101), 101, "numbering continues");
}

#[tokio::test]
async fn a_torn_last_record_is_cut_off_and_numbering_resumes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (queue, reader) = open(config(dir.path()), 0).expect("open");
    append(&queue, 0, 3);
    let newest = *queue.segment_firsts().last().expect("segment");
    drop((queue, reader));
    let mut file = OpenOptions::new()
        .append(true)
        .open(segment_path(dir.path(), newest))
        .expect("segment");
    file.write_all(&[40, 0, 0, 0, 1, 2, 3]).expect("torn bytes");
    drop(file);

    let (queue, mut reader) = open(config(dir.path()), 0).expect("reopen");
    assert_eq!(append(&queue, 3, 4), 4);
    assert_eq!(
        read_all(&mut reader).await,
        vec!["line 0", "line 1", "line 2", "line 3"]
    );
}

#[tokio::test]
async fn a_database_ahead_of_the_directory_moves_numbering_past_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (queue, _reader) = open(config(dir.path()), 500).expect("open");
    assert_eq!(append(&queue, 0, 1), 501);
}

#[tokio::test]
async fn the_disk_bound_waits_until_storage_catches_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (queue, mut reader) = open(config(dir.path()), 0).expect("open");
    append(&queue, 0, 200);
    assert!(!queue.has_room());
    let waiting = tokio::spawn({
        let queue = queue.clone();
        async move { queue.wait_for_room().await }
    });
    let last = read_all(&mut reader).await.len() as u64;
    queue.release(last).expect("release");
    waiting.await.expect("woken once there is room");
    assert!(queue.has_room());
}

#[tokio::test]
async fn node_identity_is_stable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let id = node_id(dir.path()).expect("id");
    assert_eq!(node_id(dir.path()).expect("same id"), id);
}

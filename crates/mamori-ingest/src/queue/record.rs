//! The on-disk shape of one queued line. Each record is framed as
//! `length (u32 LE) | CRC-32 of the body (u32 LE) | body`, so a record torn by a crash is
//! recognised and cut off on recovery. The body holds the sequence number, the identifier the
//! stored event will carry, the receive time, the origin (its kind byte with [`CUT`] set when
//! the line was cut at the length limit, followed by the original length, and [`REFUSED`]
//! set when the receiver already refused the line, followed by the reason), and the line's
//! bytes.

use std::net::IpAddr;

use crate::source::Origin;

/// Bytes before the body: length and checksum.
pub const HEADER: usize = 8;

/// One line as read back from the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Position in the queue, from 1, without gaps.
    pub seq: u64,
    /// The identifier (UUID v7) the stored event or quarantine line will carry; storing it
    /// again is a no-op.
    pub id: uuid::Uuid,
    /// When the line arrived, in microseconds since the Unix epoch.
    pub received_us: i64,
    /// Who sent it.
    pub origin: Origin,
    /// The line as received (not necessarily UTF-8).
    pub line: Vec<u8>,
    /// When the listener cut an over-long line at its limit: the line's real length in
    /// bytes. `line` then holds only the start.
    pub truncated_from: Option<u64>,
    /// Why the receiver refused the line (HTTP ingest: not a JSON object); it is stored as a
    /// dead letter with this reason instead of being parsed.
    pub refused: Option<String>,
}

/// One line handed to the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// The bytes kept.
    pub bytes: &'a [u8],
    /// The real length when the bytes are only the start of an over-long line.
    pub truncated_from: Option<u64>,
    /// Why the receiver refused the line, which is kept as a dead letter.
    pub refused: Option<&'a str>,
}

impl<'a> From<&'a [u8]> for Line<'a> {
    fn from(bytes: &'a [u8]) -> Self {
        Line {
            bytes,
            truncated_from: None,
            refused: None,
        }
    }
}

/// Set on the origin's kind byte when the record holds a cut line.
const CUT: u8 = 0x80;
/// Set on the origin's kind byte when the record holds a line the receiver refused.
const REFUSED: u8 = 0x40;

const UDP: u8 = 1;
const TCP: u8 = 2;
const TLS: u8 = 3;
const HTTP: u8 = 4;

fn put_ip(out: &mut Vec<u8>, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            out.push(4);
            out.extend_from_slice(&v4.octets());
        }
        IpAddr::V6(v6) => {
            out.push(6);
            out.extend_from_slice(&v6.octets());
        }
    }
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    let bytes = &text.as_bytes()[..text.len().min(u16::MAX as usize)];
    out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Appends the framed record to `out`.
pub fn encode(
    out: &mut Vec<u8>,
    seq: u64,
    id: uuid::Uuid,
    received_us: i64,
    origin: &Origin,
    line: Line<'_>,
) {
    let start = out.len();
    let flags = if line.truncated_from.is_some() {
        CUT
    } else {
        0
    } | if line.refused.is_some() { REFUSED } else { 0 };
    out.extend_from_slice(&[0; HEADER]);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(&received_us.to_le_bytes());
    match origin {
        Origin::Udp(ip) => {
            out.push(UDP | flags);
            put_ip(out, *ip);
        }
        Origin::Tcp(ip) => {
            out.push(TCP | flags);
            put_ip(out, *ip);
        }
        Origin::Tls { peer, fingerprint } => {
            out.push(TLS | flags);
            put_ip(out, *peer);
            put_text(out, fingerprint.as_deref().unwrap_or(""));
        }
        Origin::Http { source_id } => {
            out.push(HTTP | flags);
            put_text(out, source_id);
        }
    }
    if let Some(original) = line.truncated_from {
        out.extend_from_slice(&original.to_le_bytes());
    }
    if let Some(reason) = line.refused {
        put_text(out, reason);
    }
    out.extend_from_slice(line.bytes);
    let body_len = (out.len() - start - HEADER) as u32;
    let crc = crc32fast::hash(&out[start + HEADER..]);
    out[start..start + 4].copy_from_slice(&body_len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// Appends `record` framed as the queue writes it, to carry records elsewhere (a cluster's
/// stream) in a form [`decode_run`] checks and reads back.
pub fn encode_record(out: &mut Vec<u8>, record: &Record) {
    let line = Line {
        bytes: &record.line,
        truncated_from: record.truncated_from,
        refused: record.refused.as_deref(),
    };
    encode(
        out,
        record.seq,
        record.id,
        record.received_us,
        &record.origin,
        line,
    );
}

/// The records of a run written by [`encode_record`], or `None` when any of it is damaged
/// or cut short.
pub fn decode_run(mut buf: &[u8]) -> Option<Vec<Record>> {
    let mut records = Vec::new();
    while !buf.is_empty() {
        let Decoded::Record(record, used) = decode(buf) else {
            return None;
        };
        records.push(record);
        buf = &buf[used..];
    }
    Some(records)
}

/// What [`decode`] found at the start of a buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// A whole, valid record and the bytes it took.
    Record(Record, usize),
    /// The buffer ends inside a record: read more (or, at the end of a file, a torn write).
    Incomplete,
    /// The bytes are not a valid record (checksum or structure wrong).
    Corrupt,
}

/// Reads bytes off the front of a body.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn ip(&mut self) -> Option<IpAddr> {
        match self.u8()? {
            4 => Some(IpAddr::from(self.array::<4>()?)),
            6 => Some(IpAddr::from(self.array::<16>()?)),
            _ => None,
        }
    }

    fn text(&mut self) -> Option<String> {
        let len = u16::from_le_bytes(self.array::<2>()?) as usize;
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }
}

fn decode_body(body: &[u8]) -> Option<Record> {
    let mut c = Cursor(body);
    let seq = u64::from_le_bytes(c.array::<8>()?);
    let id = uuid::Uuid::from_bytes(c.array::<16>()?);
    let received_us = i64::from_le_bytes(c.array::<8>()?);
    let kind = c.u8()?;
    let origin = match kind & !(CUT | REFUSED) {
        UDP => Origin::Udp(c.ip()?),
        TCP => Origin::Tcp(c.ip()?),
        TLS => {
            let peer = c.ip()?;
            let fingerprint = Some(c.text()?).filter(|f| !f.is_empty());
            Origin::Tls { peer, fingerprint }
        }
        HTTP => Origin::Http {
            source_id: c.text()?,
        },
        _ => return None,
    };
    let truncated_from = if kind & CUT != 0 {
        Some(u64::from_le_bytes(c.array::<8>()?))
    } else {
        None
    };
    let refused = if kind & REFUSED != 0 {
        Some(c.text()?)
    } else {
        None
    };
    Some(Record {
        seq,
        id,
        received_us,
        origin,
        line: c.0.to_vec(),
        truncated_from,
        refused,
    })
}

/// Decodes the record at the start of `buf`.
pub fn decode(buf: &[u8]) -> Decoded {
    if buf.len() < HEADER {
        return Decoded::Incomplete;
    }
    let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    let crc = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]);
    let Some(body) = buf.get(HEADER..HEADER + len) else {
        return Decoded::Incomplete;
    };
    if crc32fast::hash(body) != crc {
        return Decoded::Corrupt;
    }
    match decode_body(body) {
        Some(record) => Decoded::Record(record, HEADER + len),
        None => Decoded::Corrupt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_of_records_reads_back_whole_or_not_at_all() {
        let records: Vec<Record> = sample_origins()
            .into_iter()
            .enumerate()
            .map(|(i, origin)| Record {
                seq: i as u64 + 7,
                id: uuid::Uuid::now_v7(),
                received_us: 1_700_000_000_000_000 + i as i64,
                origin,
                line: format!("line {i} \u{65e5}\u{672c}").into_bytes(),
                truncated_from: (i % 2 == 0).then_some(70_000),
                refused: (i % 3 == 0).then(|| "not a JSON object".to_owned()),
            })
            .collect();
        let mut run = Vec::new();
        for record in &records {
            encode_record(&mut run, record);
        }
        assert_eq!(decode_run(&run), Some(records));
        assert_eq!(decode_run(&[]), Some(Vec::new()));
        assert_eq!(decode_run(&run[..run.len() - 1]), None, "cut short");
        let mut damaged = run.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert_eq!(decode_run(&damaged), None, "damaged");
    }

    fn sample_origins() -> Vec<Origin> {
        vec![
            Origin::Udp("192.0.2.1".parse().unwrap()),
            Origin::Tcp("2001:db8::1".parse().unwrap()),
            Origin::Tls {
                peer: "192.0.2.2".parse().unwrap(),
                fingerprint: Some("ab".repeat(32)),
            },
            Origin::Tls {
                peer: "192.0.2.2".parse().unwrap(),
                fingerprint: None,
            },
            Origin::Http {
                source_id: "0190-source".into(),
            },
        ]
    }

    #[test]
    fn records_round_trip_and_torn_or_flipped_bytes_are_caught() {
        for (i, origin) in sample_origins().into_iter().enumerate() {
            let mut buf = Vec::new();
            let id = uuid::Uuid::now_v7();
            encode(
                &mut buf,
                i as u64 + 1,
                id,
                1_700_000_000_000_000,
                &origin,
                "本社 line".as_bytes().into(),
            );
            let Decoded::Record(record, used) = decode(&buf) else {
                panic!("decodes");
            };
            assert_eq!(used, buf.len());
            assert_eq!(record.origin, origin);
            assert_eq!(record.id, id);
            assert_eq!(record.line, "本社 line".as_bytes());
            assert_eq!(record.truncated_from, None);
            let mut cut = Vec::new();
            let line = Line {
                bytes: b"<13>start of a long line",
                truncated_from: Some(70_000),
                refused: Some("not a JSON object"),
            };
            encode(&mut cut, 9, id, 1, &origin, line);
            let Decoded::Record(record, _) = decode(&cut) else {
                panic!("a cut record decodes");
            };
            assert_eq!(record.origin, origin);
            assert_eq!(record.line, b"<13>start of a long line");
            assert_eq!(record.truncated_from, Some(70_000));
            assert_eq!(record.refused.as_deref(), Some("not a JSON object"));
            assert_eq!(decode(&buf[..buf.len() - 1]), Decoded::Incomplete);
            let mut flipped = buf.clone();
            let last = flipped.len() - 1;
            flipped[last] ^= 1;
            assert_eq!(decode(&flipped), Decoded::Corrupt);
        }
    }
}

//! Splitting a syslog byte stream into messages (RFC 6587): octet counting (`LEN SP MSG`,
//! always used over TLS by RFC 5425) and non-transparent framing (one message per line, with
//! LF or CRLF), detected per message as RFC 6587 section 3.4 suggests.
//!
//! A message longer than the limit stays **one** message: its first `max` bytes are kept and
//! marked with the real length, and the rest is skipped — up to the next line feed, or the
//! declared count for an octet-counted frame. Cutting it into pieces instead would let a
//! sender smuggle a second, forged message (with any host name) into the tail of a long line.

use std::ops::Range;

use crate::queue::Line;

/// Splits a stream into messages; feed it what the socket gives.
pub struct Framer {
    buf: Vec<u8>,
    start: usize,
    max: usize,
    /// The over-long message whose tail is being skipped.
    cutting: Option<Cut>,
    /// Over-long messages completed in the latest [`Framer::split`], in order.
    cut_done: Vec<(Vec<u8>, u64)>,
}

/// The longest length prefix read as octet counting (9 digits: under 1 GB).
const MAX_DIGITS: usize = 9;

/// An octet count up to this many times the limit is a frame to cut; a larger number in front
/// of a space is more likely the start of a plain line than a real frame.
const COUNTED_CUT_FACTOR: usize = 16;

/// An over-long message: the kept head and how the rest is skipped.
enum Cut {
    /// A line: skip to the next line feed, counting.
    Line { head: Vec<u8>, seen: u64 },
    /// An octet-counted frame of `len` bytes with `left` still to skip.
    Counted {
        head: Vec<u8>,
        len: u64,
        left: usize,
    },
}

/// How the message at the front of the buffer is framed.
enum Front {
    /// `len` bytes of message after a `digits`-long prefix and a space.
    Counted { digits: usize, len: usize },
    /// Up to the next line feed.
    Line,
    /// Not enough bytes yet to tell.
    Undecided,
}

/// Where a message of the latest split is: in the buffer, or among the cut ones.
enum Piece {
    Buffer(Range<usize>),
    Cut(usize),
}

impl Framer {
    /// A framer keeping at most `max` bytes of each message.
    pub fn new(max: usize) -> Framer {
        Framer {
            buf: Vec::new(),
            start: 0,
            max: max.max(1),
            cutting: None,
            cut_done: Vec::new(),
        }
    }

    /// Adds bytes read from the socket.
    pub fn push(&mut self, data: &[u8]) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    fn front(&self, at: usize) -> Front {
        let rest = &self.buf[at..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || rest[0] == b'0' || digits > MAX_DIGITS {
            return Front::Line;
        }
        match rest.get(digits) {
            None => Front::Undecided,
            Some(b' ') => {
                let len = std::str::from_utf8(&rest[..digits])
                    .ok()
                    .and_then(|d| d.parse::<usize>().ok())
                    .unwrap_or(0);
                if len == 0 || len > self.max.saturating_mul(COUNTED_CUT_FACTOR) {
                    Front::Line
                } else {
                    Front::Counted { digits, len }
                }
            }
            Some(_) => Front::Line,
        }
    }

    /// Skips the tail of the message being cut; true when it is complete (and queued as a
    /// piece), false when the buffer ran out first.
    fn skip_tail(&mut self, at: &mut usize, pieces: &mut Vec<Piece>) -> bool {
        let available = self.buf.len() - *at;
        let done = match &mut self.cutting {
            None => return true,
            Some(Cut::Line { seen, .. }) => match memchr::memchr(b'\n', &self.buf[*at..]) {
                Some(nl) => {
                    *seen += nl as u64;
                    *at += nl + 1;
                    true
                }
                None => {
                    *seen += available as u64;
                    *at = self.buf.len();
                    false
                }
            },
            Some(Cut::Counted { left, .. }) => {
                let skip = (*left).min(available);
                *left -= skip;
                *at += skip;
                *left == 0
            }
        };
        if done && let Some(cut) = self.cutting.take() {
            pieces.push(self.finish_cut(cut));
        }
        done
    }

    /// Files a completed cut message; a "long" line that ended right at the limit was not cut.
    fn finish_cut(&mut self, cut: Cut) -> Piece {
        let (head, original) = match cut {
            Cut::Line { head, seen } => (head, seen),
            Cut::Counted { head, len, .. } => (head, len),
        };
        self.cut_done.push((head, original));
        Piece::Cut(self.cut_done.len() - 1)
    }

    /// Takes every complete message out of the buffer.
    pub fn split(&mut self) -> Vec<Line<'_>> {
        self.cut_done.clear();
        let mut pieces = Vec::new();
        let mut at = self.start;
        loop {
            if !self.skip_tail(&mut at, &mut pieces) {
                break;
            }
            // Empty lines and NUL trailers between messages carry nothing.
            while at < self.buf.len() && matches!(self.buf[at], b'\n' | b'\r' | 0) {
                at += 1;
            }
            if at >= self.buf.len() {
                break;
            }
            match self.front(at) {
                Front::Counted { digits, len } => {
                    let body = at + digits + 1;
                    let kept = len.min(self.max);
                    if self.buf.len() < body + kept {
                        break;
                    }
                    if kept == len {
                        pieces.push(Piece::Buffer(body..body + len));
                    } else {
                        self.cutting = Some(Cut::Counted {
                            head: self.buf[body..body + kept].to_vec(),
                            len: len as u64,
                            left: len - kept,
                        });
                    }
                    at = body + kept;
                }
                Front::Line => {
                    let window = &self.buf[at..self.buf.len().min(at + self.max)];
                    match memchr::memchr(b'\n', window) {
                        Some(nl) => {
                            pieces.push(Piece::Buffer(at..at + nl));
                            at += nl + 1;
                        }
                        None if window.len() == self.max => {
                            self.cutting = Some(Cut::Line {
                                head: window.to_vec(),
                                seen: self.max as u64,
                            });
                            at += self.max;
                        }
                        None => break,
                    }
                }
                Front::Undecided => break,
            }
        }
        self.start = at;
        let (buf, cut_done) = (&self.buf, &self.cut_done);
        pieces
            .into_iter()
            .map(|piece| match piece {
                Piece::Buffer(range) => Line::from(trim_end(&buf[range])),
                Piece::Cut(index) => {
                    let (head, original) = &cut_done[index];
                    cut_line(head, *original)
                }
            })
            .filter(|line| !line.bytes.is_empty())
            .collect()
    }

    /// At the end of the stream: whatever is left, as a last message (a final line without
    /// a newline, a message cut short, or the head of an over-long one).
    pub fn finish(&mut self) -> Option<Line<'_>> {
        self.cut_done.clear();
        if let Some(cut) = self.cutting.take() {
            self.start = self.buf.len();
            self.finish_cut(cut);
            return self
                .cut_done
                .last()
                .map(|(head, original)| cut_line(head, *original));
        }
        let rest = trim_end(&self.buf[self.start..]);
        self.start = self.buf.len();
        (!rest.is_empty()).then_some(Line::from(rest))
    }
}

/// The kept head of a message that was `original` bytes long; one that turned out to fit
/// (a line of exactly the limit) is not marked.
fn cut_line(head: &[u8], original: u64) -> Line<'_> {
    let bytes = trim_end(head);
    Line {
        bytes,
        truncated_from: (original > head.len() as u64).then_some(original),
        refused: None,
    }
}

/// `message` without trailing CR, LF and NUL bytes.
pub(super) fn trim_end(mut message: &[u8]) -> &[u8] {
    while let [head @ .., b'\r' | b'\n' | 0] = message {
        message = head;
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(framer: &mut Framer) -> Vec<String> {
        framer
            .split()
            .into_iter()
            .map(|m| {
                assert_eq!(m.truncated_from, None, "nothing cut here");
                String::from_utf8_lossy(m.bytes).into_owned()
            })
            .collect()
    }

    fn cut(framer: &mut Framer) -> Vec<(String, Option<u64>)> {
        framer
            .split()
            .into_iter()
            .map(|m| {
                (
                    String::from_utf8_lossy(m.bytes).into_owned(),
                    m.truncated_from,
                )
            })
            .collect()
    }

    #[test]
    fn newline_and_octet_counted_messages_mix_and_arrive_in_pieces() {
        let mut f = Framer::new(1024);
        f.push(b"<13>one\r\n\n[INSPECT] two\n9 <13>three5 ");
        assert_eq!(all(&mut f), vec!["<13>one", "[INSPECT] two", "<13>three"]);
        f.push(b"four");
        assert_eq!(all(&mut f), Vec::<String>::new());
        f.push(b"x5,,,1000000103,igb0\n");
        assert_eq!(all(&mut f), vec!["fourx", "5,,,1000000103,igb0"]);
        f.push(b"last line without newline");
        assert_eq!(all(&mut f), Vec::<String>::new());
        let last = f.finish().expect("the rest");
        assert_eq!(last.bytes, b"last line without newline");
        assert_eq!(last.truncated_from, None);
    }

    #[test]
    fn a_long_line_stays_one_message_and_its_tail_is_skipped() {
        let mut f = Framer::new(4);
        f.push(b"abcdefghij\nok\n99999 x\n");
        assert_eq!(
            cut(&mut f),
            vec![
                ("abcd".into(), Some(10)),
                ("ok".into(), None),
                ("9999".into(), Some(7)),
            ]
        );
        // Exactly the limit is not a cut.
        f.push(b"wxyz\n");
        assert_eq!(cut(&mut f), vec![("wxyz".into(), None)]);
    }

    #[test]
    fn a_forged_header_in_the_tail_of_a_long_line_is_not_a_message() {
        let max = 64 << 10;
        let mut f = Framer::new(max);
        let mut line = vec![b'A'; max];
        line.extend_from_slice(
            b"<13>1 2026-12-06T10:00:00Z forged-host sshd 1 - - Accepted password for root\n",
        );
        let original = line.len() as u64 - 1;
        // The tail arrives in several reads.
        let (first, rest) = line.split_at(max / 2);
        f.push(first);
        assert!(f.split().is_empty());
        let (middle, tail) = rest.split_at(max / 2 + 10);
        f.push(middle);
        assert!(f.split().is_empty());
        f.push(tail);
        f.push(b"<13>next line\n");
        let got = f.split();
        assert_eq!(got.len(), 2, "one cut message and the next line");
        assert_eq!(got[0].bytes.len(), max);
        assert_eq!(got[0].truncated_from, Some(original));
        assert!(!String::from_utf8_lossy(got[0].bytes).contains("forged-host"));
        assert_eq!(got[1].bytes, b"<13>next line");
        assert_eq!(f.finish(), None);
    }

    #[test]
    fn an_octet_counted_frame_over_the_limit_is_cut_and_the_next_frame_kept() {
        let mut f = Framer::new(8);
        f.push(b"20 <13>0123456789abcde");
        assert!(f.split().is_empty(), "the tail is still to come");
        f.push(b"f");
        f.push(b"5 <13>x");
        assert_eq!(
            cut(&mut f),
            vec![("<13>0123".into(), Some(20)), ("<13>x".into(), None)]
        );
        // A stream that ends inside a cut frame still gives its head.
        f.push(b"30 <13>abcdefgh");
        assert!(f.split().is_empty());
        let last = f.finish().expect("the head");
        assert_eq!(
            (last.bytes, last.truncated_from),
            (&b"<13>abcd"[..], Some(30))
        );
    }
}

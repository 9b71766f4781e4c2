//! Splitting a syslog byte stream into messages (RFC 6587): octet counting (`LEN SP MSG`,
//! always used over TLS by RFC 5425) and non-transparent framing (one message per line, with
//! LF or CRLF), detected per message as RFC 6587 section 3.4 suggests. Messages longer than
//! the limit are cut into pieces rather than dropped.

/// Splits a stream into messages; feed it what the socket gives.
pub struct Framer {
    buf: Vec<u8>,
    start: usize,
    max: usize,
}

/// The longest length prefix read as octet counting (9 digits: under 1 GB).
const MAX_DIGITS: usize = 9;

/// How the message at the front of the buffer is framed.
enum Front {
    /// `len` bytes of message after a `digits`-long prefix and a space.
    Counted { digits: usize, len: usize },
    /// Up to the next line feed.
    Line,
    /// Not enough bytes yet to tell.
    Undecided,
}

impl Framer {
    /// A framer cutting messages at `max` bytes.
    pub fn new(max: usize) -> Framer {
        Framer {
            buf: Vec::new(),
            start: 0,
            max: max.max(1),
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
                if len == 0 || len > self.max {
                    Front::Line
                } else {
                    Front::Counted { digits, len }
                }
            }
            Some(_) => Front::Line,
        }
    }

    /// Takes every complete message out of the buffer.
    pub fn split(&mut self) -> Vec<&[u8]> {
        let mut ranges = Vec::new();
        let mut at = self.start;
        loop {
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
                    if self.buf.len() < body + len {
                        break;
                    }
                    ranges.push(body..body + len);
                    at = body + len;
                }
                Front::Line => {
                    let window = &self.buf[at..self.buf.len().min(at + self.max)];
                    match memchr::memchr(b'\n', window) {
                        Some(nl) => {
                            ranges.push(at..at + nl);
                            at += nl + 1;
                        }
                        None if window.len() == self.max => {
                            ranges.push(at..at + self.max);
                            at += self.max;
                        }
                        None => break,
                    }
                }
                Front::Undecided => break,
            }
        }
        self.start = at;
        ranges
            .into_iter()
            .map(|r| trim_end(&self.buf[r]))
            .filter(|m| !m.is_empty())
            .collect()
    }

    /// At the end of the stream: whatever is left, as a last message (a final line without
    /// a newline, or a message cut short).
    pub fn finish(&mut self) -> Option<&[u8]> {
        let rest = trim_end(&self.buf[self.start..]);
        self.start = self.buf.len();
        (!rest.is_empty()).then_some(rest)
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
            .map(|m| String::from_utf8_lossy(m).into_owned())
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
        assert_eq!(f.finish(), Some(&b"last line without newline"[..]));
    }

    #[test]
    fn long_lines_are_cut_not_lost_and_huge_counts_are_lines() {
        let mut f = Framer::new(4);
        f.push(b"abcdefghij\n99999 x\n");
        assert_eq!(all(&mut f), vec!["abcd", "efgh", "ij", "9999", "9 x"]);
    }
}

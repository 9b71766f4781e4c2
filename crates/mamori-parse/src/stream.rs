//! The offline side of parsing: read a whole file or pipe, write one normalised JSON event
//! per line, and report the lines that failed. This is what `mamori parse` runs, and what an
//! operator uses to check a device's logs before connecting it.

use std::io::{self, BufRead, Write};

use chrono::Utc;

use crate::{Format, envelope_only, parser_for};

/// How many lines a [`parse_stream`] run read and how many it could not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseSummary {
    /// Lines turned into events.
    pub parsed: u64,
    /// Of the parsed lines, those `auto` could only read as a bare syslog envelope: no
    /// device format recognised them, so they carry a time, a host and the text, little more.
    /// Many of them mean the device sends a format mamori does not understand.
    pub envelope_only: u64,
    /// Lines that could not be read (each reported on the error stream).
    pub failed: u64,
}

impl ParseSummary {
    /// Adds another run's counts (several files in one command).
    pub fn add(&mut self, other: ParseSummary) {
        self.parsed += other.parsed;
        self.envelope_only += other.envelope_only;
        self.failed += other.failed;
    }

    /// One line for people: `lines 120, parsed 118 (envelope only 3), failed 2`.
    pub fn line(&self) -> String {
        format!(
            "lines {}, parsed {} (envelope only {}), failed {}",
            self.parsed + self.failed,
            self.parsed,
            self.envelope_only,
            self.failed
        )
    }

    /// The process exit code for the command: 0 when every line was read, 1 when some failed.
    pub fn exit_code(&self) -> i32 {
        if self.failed == 0 { 0 } else { 1 }
    }
}

/// Reads `input` line by line in `format`, writes each event as one JSON line to `out` and
/// each failure as `line N: reason` to `err`. Empty lines are skipped and not counted. Each
/// line's receive time is the moment it is read. I/O errors stop the run; parse errors do
/// not.
pub fn parse_stream<R: BufRead, W: Write, E: Write>(
    format: Format,
    mut input: R,
    mut out: W,
    mut err: E,
) -> io::Result<ParseSummary> {
    let parser = parser_for(format);
    let mut summary = ParseSummary::default();
    let mut buf = Vec::new();
    let mut number = 0u64;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        number += 1;
        // Devices do send broken bytes; keep the line rather than failing the whole run.
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        match parser.parse(line, Utc::now()) {
            Ok(event) => {
                serde_json::to_writer(&mut out, &event)?;
                out.write_all(b"\n")?;
                summary.parsed += 1;
                summary.envelope_only += u64::from(envelope_only(format, &event));
            }
            Err(e) => {
                writeln!(err, "line {number}: {e}")?;
                summary.failed += 1;
            }
        }
    }
    out.flush()?;
    err.flush()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_events_and_numbered_failures() {
        let input = "<134>1 2024-05-01T10:15:30+09:00 fw filterlog 1 - - 5,,,1000000103,igb0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,198.51.100.7,192.0.2.10,41523,23,0,S,1,,64240,,mss\n\
\n\
   \n\
5,,,1000000103,igb0\n\
80,,,1000006862,em0,match,pass,out,6,0x00,0x00000,64,udp,17,48,2001:db8::10,2001:db8:1::53,51515,53,48\r\n";
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let summary = parse_stream(Format::Filterlog, input.as_bytes(), &mut out, &mut err)
            .expect("in-memory I/O");
        assert_eq!(
            summary,
            ParseSummary {
                parsed: 2,
                envelope_only: 0,
                failed: 1
            }
        );
        assert_eq!(summary.exit_code(), 1);
        let err = String::from_utf8(err).expect("utf-8");
        assert_eq!(
            err,
            "line 4: filterlog: only part of the CSV: the 'reason' column is missing\n"
        );
        let events: Vec<serde_json::Value> = String::from_utf8(out)
            .expect("utf-8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON event per line"))
            .collect();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["timestamp"], "2024-05-01T01:15:30Z");
        assert_eq!(events[0]["action"], "deny");
        assert_eq!(events[1]["src_ip"], "2001:db8::10");
    }

    #[test]
    fn auto_counts_lines_it_could_only_read_as_an_envelope() {
        let input = "<14>May  1 10:15:31 nas01 backupd[3]: Backup finished\n\
<38>May  1 10:15:32 web01 sshd[814]: Failed password for root from 203.0.113.5 port 4444 ssh2\n\
just some text\n";
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut summary =
            parse_stream(Format::Auto, input.as_bytes(), &mut out, &mut err).expect("in-memory");
        assert_eq!(
            (summary.parsed, summary.envelope_only, summary.failed),
            (3, 2, 0)
        );
        summary.add(ParseSummary {
            parsed: 1,
            envelope_only: 0,
            failed: 1,
        });
        assert_eq!(
            summary.line(),
            "lines 5, parsed 4 (envelope only 2), failed 1"
        );
    }

    #[test]
    fn all_parsed_exits_zero() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let summary =
            parse_stream(Format::Auto, &b"\n\n"[..], &mut out, &mut err).expect("in-memory I/O");
        assert_eq!((summary, summary.exit_code()), (ParseSummary::default(), 0));
        assert!(out.is_empty() && err.is_empty());
    }
}

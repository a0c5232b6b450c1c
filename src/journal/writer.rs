//! Writing the journal (fsynced where an intent, a result or a note must survive a
//! power loss) and reading it back.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{Event, Record};

use super::redact::Redactor;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot create journal {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error("cannot write journal {path}: {source} (is the disk full or read-only?)")]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot read journal {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot read the journal: {0}")]
    File(#[from] crate::files::ReadError),
    #[error("{path}:{line}: not a journal line: {message}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Appends records; one writer per run.
pub struct JournalWriter {
    path: PathBuf,
    file: File,
    seq: u64,
    redactor: Redactor,
    unsynced: bool,
}

impl JournalWriter {
    /// Creates the journal; fails if it exists, so two runs never share one.
    pub fn create(path: &Path, redactor: Redactor) -> Result<Self, JournalError> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .mode(crate::files::FILE_MODE)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(path)
            .and_then(|file| crate::files::set_file_mode(&file).map(|()| file))
            .map_err(|source| JournalError::Create {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(JournalWriter {
            path: path.to_path_buf(),
            file,
            seq: 0,
            redactor,
            unsynced: false,
        })
    }

    /// Opens an existing journal to add to it (`gameday recover`), after its last record.
    pub fn append_to(path: &Path, redactor: Redactor) -> Result<Self, JournalError> {
        let records = read_journal(path)?;
        let seq = records.last().map(|r| r.seq).unwrap_or(0);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(|source| JournalError::Create {
                path: path.to_path_buf(),
                source,
            })?;
        // A torn last line (the process killed in the middle of a write) was never a
        // record: reading drops it, and so does the file before anything is added, or it
        // would sit between records, where a broken line is corruption and the journal
        // could no longer be read (the report, a second `recover`).
        let write_err = |source| JournalError::Write {
            path: path.to_path_buf(),
            source,
        };
        let complete = complete_len(&mut file).map_err(write_err)?;
        if complete < file.metadata().map_err(write_err)?.len() {
            tracing::warn!(
                "{}: dropping a torn last line (a write cut off by a crash)",
                path.display()
            );
            file.set_len(complete).map_err(write_err)?;
            file.sync_data().map_err(write_err)?;
        }
        Ok(JournalWriter {
            path: path.to_path_buf(),
            file,
            seq,
            redactor,
            unsynced: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one record; fsyncs it (and anything before it) when the event needs it.
    /// Returns the record as written, redacted.
    pub fn append(&mut self, ts: DateTime<Utc>, event: Event) -> Result<Record, JournalError> {
        let fsync = event.needs_fsync();
        let record = self.append_unsynced(ts, event)?;
        if fsync {
            self.sync()?;
        }
        Ok(record)
    }

    /// Writes one record and leaves the fsync to the caller's next [`JournalWriter::sync`]:
    /// the kill switch starts its reverts first and makes their records durable right
    /// after, in one fsync, rather than waiting on one fsync per record before acting.
    pub fn append_unsynced(
        &mut self,
        ts: DateTime<Utc>,
        event: Event,
    ) -> Result<Record, JournalError> {
        self.seq += 1;
        // secrets are taken out of the values, never out of the serialized line: a
        // secret such as `2026` or `true` cannot touch a timestamp or a JSON literal
        let event = if self.redactor.is_empty() {
            event
        } else {
            self.redactor.redact_event(event)
        };
        let record = Record {
            seq: self.seq,
            ts,
            event,
        };
        let line = serde_json::to_string(&record).map_err(|e| JournalError::Write {
            path: self.path.clone(),
            source: io::Error::other(e),
        })?;
        let mut bytes = line.into_bytes();
        bytes.push(b'\n');
        self.file
            .write_all(&bytes)
            .map_err(|source| JournalError::Write {
                path: self.path.clone(),
                source,
            })?;
        self.unsynced = true;
        // what was written, redacted, is what the rest of the program sees
        Ok(record)
    }

    pub fn sync(&mut self) -> Result<(), JournalError> {
        if self.unsynced {
            self.file
                .sync_data()
                .map_err(|source| JournalError::Write {
                    path: self.path.clone(),
                    source,
                })?;
            self.unsynced = false;
        }
        Ok(())
    }
}

/// The last byte of a file, without reading the rest.
/// The length of the journal up to its last line break, included: whatever follows it
/// is a torn line.
fn complete_len(file: &mut File) -> std::io::Result<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut end = file.metadata()?.len();
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|b| *b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// Far more than the longest game day writes (a sample is about 100 bytes: ten signals
/// sampled twice a second for ten hours is 70 MiB), and little enough to hold in memory.
pub const MAX_JOURNAL_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a journal. A torn last line (a crash mid-write) is tolerated and dropped; a
/// broken line anywhere else is an error, since the rest cannot be trusted blindly.
///
/// Only a regular file is read (a `journal.jsonl` that is a FIFO or a link to `/dev/zero`
/// is refused at once), and never more than [`MAX_JOURNAL_BYTES`].
pub fn read_journal(path: &Path) -> Result<Vec<Record>, JournalError> {
    let (file, _) = crate::files::open_regular(path, MAX_JOURNAL_BYTES, "journals")?;
    read_journal_from(file, path)
}

/// [`read_journal`] of a journal already opened and checked (`gameday recover` opens it
/// once, checks who owns it, and reads exactly that file).
pub fn read_journal_from(file: File, path: &Path) -> Result<Vec<Record>, JournalError> {
    use std::io::Read;
    let reader = BufReader::new(file.take(MAX_JOURNAL_BYTES + 1));
    let mut lines: Vec<String> = Vec::new();
    let mut total: u64 = 0;
    for line in reader.split(b'\n') {
        let line = line.map_err(|source| JournalError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        total += line.len() as u64 + 1;
        if total > MAX_JOURNAL_BYTES + 1 {
            return Err(crate::files::ReadError::Grew {
                path: path.to_path_buf(),
                limit: MAX_JOURNAL_BYTES,
            }
            .into());
        }
        lines.push(String::from_utf8_lossy(&line).into_owned());
    }
    let last_nonempty = lines.iter().rposition(|l| !l.trim().is_empty());
    let mut records = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(r) => records.push(r),
            Err(e) if Some(i) == last_nonempty => {
                tracing::warn!("{}:{}: ignoring torn last line: {e}", path.display(), i + 1);
            }
            Err(e) => {
                return Err(JournalError::Corrupt {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: e.to_string(),
                })
            }
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn round_trip_and_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut w = JournalWriter::create(&path, Redactor::new()).unwrap();
        w.append(
            t("2026-11-27T10:00:00.123Z"),
            Event::Phase {
                phase: Phase::Baseline,
            },
        )
        .unwrap();
        w.append(
            t("2026-11-27T10:00:01Z"),
            Event::Note {
                author: "alice".into(),
                kind: NoteKind::Note,
                text: "hi".into(),
            },
        )
        .unwrap();
        drop(w);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(
                r#"{"seq":1,"ts":"2026-11-27T10:00:00.123Z","type":"phase","phase":"BASELINE"}"#
            ),
            "{text}"
        );
        // a crash in the middle of the third line
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"seq":3,"ts":"2026-11-27T10:0"#).unwrap();
        drop(f);
        let records = read_journal(&path).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].seq, 2);
        // appending after a torn line drops it first (it was never a record) and continues
        // the sequence: the journal still reads, every line of it
        let mut w = JournalWriter::append_to(&path, Redactor::new()).unwrap();
        w.append(t("2026-11-27T10:00:02Z"), Event::RunEnded { exit_code: 0 })
            .unwrap();
        drop(w);
        let records = read_journal(&path).unwrap();
        let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
        assert!(matches!(records[2].event, Event::RunEnded { exit_code: 0 }));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.ends_with("\n"), "{text}");
        // a torn line cut inside a character, and a journal that is only a torn line
        std::fs::write(
            &path,
            &"{\"seq\":1,\"text\":\"caf\u{e9} \u{2192}".as_bytes()[..25],
        )
        .unwrap();
        let mut w = JournalWriter::append_to(&path, Redactor::new()).unwrap();
        w.append(t("2026-11-27T10:00:03Z"), Event::RunEnded { exit_code: 2 })
            .unwrap();
        drop(w);
        let records = read_journal(&path).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].seq, 1);
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1);
    }

    #[test]
    fn a_broken_line_in_the_middle_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        std::fs::write(&path, "garbage\n{\"seq\":1,\"ts\":\"2026-11-27T10:00:00Z\",\"type\":\"run_ended\",\"exit_code\":0}\n").unwrap();
        let err = read_journal(&path).unwrap_err();
        assert!(err.to_string().contains(":1: not a journal line"), "{err}");
    }

    #[test]
    fn secrets_are_redacted_in_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let mut r = Redactor::new();
        r.add("s3cr3t-token");
        r.add("pa\"ss");
        let mut w = JournalWriter::create(&path, r).unwrap();
        let rec = w
            .append(
                t("2026-11-27T10:00:00Z"),
                Event::FaultInjected {
                    restore: None,
                    fault: "f".into(),
                    ok: true,
                    targets: vec![],
                    detail: "curl -H 'Authorization: Bearer s3cr3t-token' said pa\"ss".into(),
                },
            )
            .unwrap();
        drop(w);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(!text.contains("pa\\\"ss"), "{text}");
        assert!(text.contains("Bearer ***"), "{text}");
        match rec.event {
            Event::FaultInjected { detail, .. } => assert!(!detail.contains("s3cr3t")),
            _ => unreachable!(),
        }
    }

    /// Observations (samples, probes, phases, pod changes, screens) are written without
    /// waiting on the disk; every intent, result, note, abort and verdict is fsynced
    /// before anyone is told it happened.
    #[test]
    fn only_observations_skip_fsync() {
        use crate::journal::{AbortSource, Phase, ScreenMoment};
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        let observations = [
            Event::Sample {
                at: None,
                detail: None,
                signal: "x".into(),
                value: Some(1.0),
                error: None,
            },
            Event::Probe {
                signal: "x".into(),
                at,
                latency: Some(0.1),
                error: None,
                waited_ms: None,
            },
            Event::Phase {
                phase: Phase::Baseline,
            },
            Event::Pods {
                selector: "app=x".into(),
                changes: Vec::new(),
            },
            Event::Screen {
                moment: ScreenMoment::Abort,
                fault: String::new(),
                front: "tui".into(),
                width: 80,
                height: 24,
                text: "t".into(),
            },
        ];
        for e in &observations {
            assert!(!e.needs_fsync(), "{} is an observation", e.type_name());
        }
        let kept = [
            Event::Note {
                author: "a".into(),
                kind: NoteKind::Note,
                text: "t".into(),
            },
            Event::FaultInjecting {
                fault: "f".into(),
                by: "a".into(),
                action: "x".into(),
            },
            Event::FaultReverted {
                fault: "f".into(),
                ok: true,
                attempt: 1,
                detail: String::new(),
                will_retry: false,
            },
            Event::Abort {
                by: "a".into(),
                source: AbortSource::Key,
                detail: String::new(),
            },
            Event::Verdict {
                verdict: crate::journal::Verdict::Confirmed,
                reasons: Vec::new(),
            },
            Event::RunEnded { exit_code: 0 },
        ];
        for e in &kept {
            assert!(e.needs_fsync(), "{} must be durable first", e.type_name());
        }
    }
}

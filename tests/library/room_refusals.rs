//! Issue 17, findings 3 and 5, through the clients' own code (`gameday status`, `gameday
//! abort`) against sockets of the test's own: a refusal's kind decides the exit code (a
//! driver asking to wait is not a permission failure), and a socket that streams bytes
//! without a newline is read no further than a small bound.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gameday::room::{Refusal, ServerLine};

/// A run directory whose `control.sock` answers every hello with `answer`.
fn answering(dir: &Path, answer: String) -> PathBuf {
    let run = dir.join("20270101T000000Z-fake");
    std::fs::create_dir(&run).unwrap();
    let listener = UnixListener::bind(run.join("control.sock")).unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut hello = String::new();
            let _ = BufReader::new(&conn).read_line(&mut hello);
            let _ = conn.write_all(answer.as_bytes());
        }
    });
    run
}

/// A run directory whose `control.sock` sends `{"x":"AAAA…` for ever after the hello;
/// the count is what it managed to write before the client hung up.
fn flooding(dir: &Path, name: &str) -> (PathBuf, Arc<AtomicU64>) {
    let run = dir.join(name);
    std::fs::create_dir(&run).unwrap();
    let listener = UnixListener::bind(run.join("control.sock")).unwrap();
    let written = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&written);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let count = Arc::clone(&count);
            std::thread::spawn(move || {
                let mut hello = String::new();
                let _ = BufReader::new(&conn).read_line(&mut hello);
                let _ = conn.set_write_timeout(Some(Duration::from_secs(20)));
                let chunk = vec![b'A'; 64 * 1024];
                let _ = conn.write_all(b"{\"x\":\"");
                while conn.write_all(&chunk).is_ok() {
                    count.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
            });
        }
    });
    (run, written)
}

fn refused(kind: Option<Refusal>, message: &str) -> String {
    gameday::room::encode(&ServerLine::Refused {
        id: None,
        message: message.into(),
        kind,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_of_refusal_has_its_own_exit_code() {
    let cases = [
        // a driver asking to be asked later: EX_TEMPFAIL, not "you may not"
        (Some(Refusal::Busy), 75),
        (Some(Refusal::Ending), 69),
        (Some(Refusal::Incompatible), 69),
        (Some(Refusal::Denied), 77),
        // a driver older than the kinds: read as before
        (None, 77),
    ];
    for (kind, code) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let run = answering(tmp.path(), refused(kind, "asked too often"));
        assert_eq!(
            gameday::room::status::status(&run, false).await,
            code,
            "status, {kind:?}"
        );
        assert_eq!(
            gameday::room::abort::abort(&run, "why").await,
            code,
            "abort, {kind:?}"
        );
    }
    // a kind from a newer driver is not a garbled line
    let line = "{\"type\":\"refused\",\"message\":\"m\",\"kind\":\"from_the_future\"}";
    let parsed: ServerLine = serde_json::from_str(line).unwrap();
    assert!(
        matches!(
            parsed,
            ServerLine::Refused {
                kind: Some(Refusal::Other),
                ..
            }
        ),
        "{parsed:?}"
    );
    // and the field is left out when there is none, as older clients expect
    assert!(!refused(None, "m").contains("kind"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_never_ends_its_line_is_read_no_further_than_a_small_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let (run, written) = flooding(tmp.path(), "20270101T000000Z-flood");
    // status: 64 KiB at most; what was written beyond it sits in the socket's buffers
    assert_eq!(gameday::room::status::status(&run, false).await, 69);
    let status_read = written.load(Ordering::Relaxed);
    assert!(
        status_read < 8 * 1024 * 1024,
        "the flood wrote {status_read} bytes before status hung up"
    );
    // abort: a welcome may be as long as the journal, and there is none here
    let before = written.load(Ordering::Relaxed);
    assert_eq!(gameday::room::abort::abort(&run, "why").await, 69);
    let abort_read = written.load(Ordering::Relaxed) - before;
    assert!(
        abort_read < 40 * 1024 * 1024,
        "the flood wrote {abort_read} bytes before abort hung up"
    );
    assert!(abort_read > 0, "abort read the flood");
}

/// `status` of a runs directory with many such sockets: each bounded on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_over_many_flooding_sockets_reads_little_of_each() {
    let tmp = tempfile::tempdir().unwrap();
    let mut counters = Vec::new();
    for i in 0..6 {
        let (_, written) = flooding(tmp.path(), &format!("20270101T00000{i}Z-flood"));
        counters.push(written);
    }
    // every socket listed as not answering: exit 0, as for stale sockets
    assert_eq!(gameday::room::status::status(tmp.path(), true).await, 0);
    let total: u64 = counters.iter().map(|c| c.load(Ordering::Relaxed)).sum();
    assert!(
        total < 6 * 8 * 1024 * 1024,
        "the floods wrote {total} bytes in all"
    );
}

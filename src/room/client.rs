//! The client's side of opening `control.sock`, shared by `join`, `abort` and `status`:
//! connect, say hello with an intent, read the driver's first line. Every failure comes
//! with the exit code README gives it and words that say what to do.

use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;

use super::server::read_line;
use super::{encode, ClientLine, Intent, ServerLine};

/// No live run there, or the connection was lost (EX_UNAVAILABLE).
pub const EXIT_UNAVAILABLE: i32 = crate::exit::ExitStatus::Unavailable.code();
/// Not one of the run's owner and group, or refused by the driver (EX_NOPERM).
pub const EXIT_NOPERM: i32 = crate::exit::ExitStatus::NoPermission.code();

/// How long the driver has to answer a hello: its loop serves requests between engine
/// messages, so a live driver answers within a tick; one that does not is stuck.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// An open connection whose first line was read.
pub struct Opened {
    pub first: ServerLine,
    pub rd: BufReader<OwnedReadHalf>,
    pub wr: OwnedWriteHalf,
}

/// Connects to the run in `run_dir`, says hello with `intent`, and reads the first line
/// within `within`, at most [`super::MAX_STATUS_LINE`] of it for a status query and what
/// [`super::max_server_line`] allows for a welcome. A `refused` first line is an error
/// with the driver's words and the code its kind gives ([`super::Refusal::exit_code`]);
/// `verb` is what the user came to do ("join", "stop", "query"), for the words when the
/// kernel turns the user away at `connect`.
pub async fn open(
    run_dir: &Path,
    intent: Intent,
    verb: &str,
    within: Duration,
) -> Result<Opened, (i32, String)> {
    let sock = run_dir.join(super::SOCKET);
    let (path, _hold) = super::socket_path(run_dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => (EXIT_UNAVAILABLE, no_run(run_dir)),
        std::io::ErrorKind::PermissionDenied => (EXIT_NOPERM, denied(verb, run_dir, &sock)),
        _ => (
            EXIT_UNAVAILABLE,
            format!("cannot open {}: {e}", run_dir.display()),
        ),
    })?;
    let stream = match tokio::time::timeout(within, UnixStream::connect(&path)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return Err(match e.kind() {
                std::io::ErrorKind::NotFound => (EXIT_UNAVAILABLE, no_run(run_dir)),
                std::io::ErrorKind::ConnectionRefused => (EXIT_UNAVAILABLE, gone(run_dir)),
                std::io::ErrorKind::PermissionDenied => match not_for_the_group(run_dir, &sock) {
                    Some(why) => (EXIT_UNAVAILABLE, why),
                    None => (EXIT_NOPERM, denied(verb, run_dir, &sock)),
                },
                _ => (
                    EXIT_UNAVAILABLE,
                    format!("cannot connect to {}: {e}", sock.display()),
                ),
            })
        }
        Err(_) => {
            return Err((
                EXIT_UNAVAILABLE,
                format!(
                    "{} did not accept a connection within {} s",
                    sock.display(),
                    within.as_secs()
                ),
            ))
        }
    };
    let (rd, mut wr) = stream.into_split();
    let hello = encode(&ClientLine::Hello {
        protocol: intent.protocol(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        intent,
    });
    // A driver that refuses may close before reading the hello; its refusal is still
    // there to read, and says more than the broken pipe the write would report.
    let sent = wr.write_all(hello.as_bytes()).await;
    let mut rd = BufReader::new(rd);
    let hung_up = |e: Option<&std::io::Error>| {
        let why = sent
            .as_ref()
            .err()
            .or(e)
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        (EXIT_UNAVAILABLE, format!("the driver hung up{why}"))
    };
    let max = match intent {
        Intent::Status => super::MAX_STATUS_LINE,
        Intent::Join | Intent::Abort => super::max_server_line(run_dir),
    };
    let too_long = |e: &std::io::Error| {
        (e.kind() == std::io::ErrorKind::InvalidData).then(|| {
            (
                EXIT_UNAVAILABLE,
                format!(
                    "{} sent more than {} without ending a line, more than a gameday driver \
                     answers: it is not a live run's socket (gameday stopped reading)",
                    sock.display(),
                    size_words(max)
                ),
            )
        })
    };
    let first = tokio::time::timeout(within, read_line(&mut rd, max))
        .await
        .map_err(|_| {
            (
                EXIT_UNAVAILABLE,
                format!(
                    "the driver did not answer within {} s (is it stopped?)",
                    within.as_secs()
                ),
            )
        })?
        .map_err(|e| too_long(&e).unwrap_or_else(|| hung_up(Some(&e))))?
        .ok_or_else(|| hung_up(None))?;
    match serde_json::from_str::<ServerLine>(&first) {
        Ok(ServerLine::Refused {
            message,
            kind: Some(super::Refusal::Ending),
            ..
        }) => Err((
            EXIT_UNAVAILABLE,
            format!(
                "{message}: the run in {} has reached its end and its driver is leaving; \
                 its report is {}",
                run_dir.display(),
                run_dir.join("report.md").display()
            ),
        )),
        Ok(ServerLine::Refused { message, kind, .. }) => {
            Err((super::Refusal::exit_code(kind), message))
        }
        Ok(first) => Ok(Opened { first, rd, wr }),
        Err(e) => Err((
            EXIT_UNAVAILABLE,
            format!("cannot read the driver's answer (another gameday version?): {e}"),
        )),
    }
}

/// "64 KiB", "16 MiB": a bound, said as a person reads it.
fn size_words(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB {
        format!("{} MiB", bytes.div_ceil(MIB))
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

/// The words for a run directory without a socket: ended (with its code), or not a run.
pub fn no_run(run_dir: &Path) -> String {
    let ended = crate::journal::read_journal(&run_dir.join("journal.jsonl"))
        .ok()
        .and_then(|rs| {
            rs.iter().find_map(|r| match r.event {
                crate::journal::Event::RunEnded { exit_code } => Some(exit_code),
                _ => None,
            })
        });
    if let Some(code) = ended {
        return format!(
            "the run in {} has ended (exit code {code}); its report is {}",
            run_dir.display(),
            run_dir.join("report.md").display()
        );
    }
    format!(
        "no live run in {}: there is no {} (the socket exists only while the run is live; \
         is the path the one the driver's gameday printed?)",
        run_dir.display(),
        super::SOCKET
    )
}

/// The words for a socket nobody listens on: the driver died without removing it.
pub fn gone(run_dir: &Path) -> String {
    format!(
        "the run in {} is not live any more (its driver is gone); `gameday report {}` shows \
         what happened, and its owner's `gameday recover {}` reverts what it left",
        run_dir.display(),
        crate::schema::shell_word(run_dir),
        crate::schema::shell_word(run_dir)
    )
}

/// When the kernel refused the connection to a user the run's directory lets in (its
/// owner, or a member of its group): the socket itself is not open to the group, which a
/// driver's socket always is (0660, the directory's group). Someone else made it; the
/// words say so rather than blaming the user's groups.
fn not_for_the_group(run_dir: &Path, sock: &Path) -> Option<String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let uid = nix::unistd::getuid().as_raw();
    let dir = std::fs::metadata(run_dir).ok()?;
    super::may_join(uid, &dir, run_dir).ok()?;
    let meta = std::fs::symlink_metadata(sock).ok()?;
    Some(format!(
        "{} is not a gameday driver's socket: it is mode {:04o}, owner {}, group {}, and a \
         driver's is open to the run directory's group ({}); whoever made it (its owner) \
         can remove it",
        sock.display(),
        meta.permissions().mode() & 0o7777,
        super::user_name(meta.uid()),
        super::group_name(meta.gid()),
        super::group_name(dir.gid()),
    ))
}

fn denied(verb: &str, run_dir: &Path, sock: &Path) -> String {
    let me = super::user_name(nix::unistd::getuid().as_raw());
    match std::fs::metadata(run_dir) {
        Ok(meta) => super::refusal_to(verb, &me, &meta, run_dir),
        Err(_) => format!(
            "{me} may not {verb} {}: permission denied on {} (only the run directory's owner \
             and group can open it)",
            run_dir.display(),
            sock.display()
        ),
    }
}

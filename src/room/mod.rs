//! Pairing: a second operator joins the live run through `RUN_DIR/control.sock`.
//!
//! The driver's loop stays the only writer of the journal and the only place the engine
//! runs. A joiner gets the run's state once (a snapshot) and then every message the
//! driver's engine handles, with the time it handled it at; the engine is a pure function
//! of those, so the joiner's copy is the driver's state, not a second opinion of the
//! world. Who a joiner is comes from the socket's peer credentials (SO_PEERCRED), never
//! from what the client says.
//!
//! The protocol is JSON lines, one object per line, tagged by `type`, versioned by the
//! `protocol` number in `hello` and `welcome`.
//!
//! Besides joining, a connection may come to stop the run (`gameday abort`) or only to
//! ask how the run stands (`gameday status`): its `hello` says so (`intent`), and neither
//! takes a seat in the room or is journaled as a join.

pub mod abort;
mod client;
pub mod join;
pub mod server;
pub mod status;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::{Msg, State};
use crate::journal::{NoteKind, Record, RunInfo, Verdict};

pub type Ts = chrono::DateTime<chrono::Utc>;

/// Bumped on any change a peer of another version would misread. A client sends the
/// oldest protocol that has what it asks for, so a status or abort client still reaches
/// a driver one version older; 2 added `intent` (status and abort connections), 3
/// milestones (a joiner's `milestone` request, `milestone` records and steps).
pub const PROTOCOL: u32 = 3;

/// The oldest protocol the driver still answers: a joiner of protocol 1 joins as before,
/// unless the run has milestones (see [`MILESTONES_PROTOCOL`]).
pub const OLDEST_PROTOCOL: u32 = 1;

/// The protocol that reads milestones: a joiner speaks it, and a driver whose scenario
/// has milestones seats no older joiner, which could not read their records and steps.
pub const MILESTONES_PROTOCOL: u32 = 3;

/// The socket's name inside the run directory.
pub const SOCKET: &str = "control.sock";

/// The longest line either side accepts: a note, or a welcome with the run's state.
pub const MAX_CLIENT_LINE: usize = 64 * 1024;

/// The longest answer to a `status` connection: a status is a few hundred bytes (the
/// faults in flight, the room's names), so a socket that sends more is not a driver's, and
/// `status` over many run directories holds at most this much per run.
pub const MAX_STATUS_LINE: usize = 64 * 1024;

/// What a welcome may carry beyond the journal it copies: the run's info and state.
const WELCOME_SLACK: u64 = 16 * 1024 * 1024;

/// The longest line a joiner or `abort` accepts from the run in `run_dir`. A welcome
/// carries the whole journal and the state, so it may be as long as the journal on disk
/// and then some; the bound follows that file (which the client may read, as any member of
/// the run's group) rather than a fixed size large enough for a day-long run, so a socket
/// that streams bytes without a newline cannot make a client hold hundreds of MiB.
pub fn max_server_line(run_dir: &Path) -> usize {
    let journal = std::fs::metadata(run_dir.join("journal.jsonl"))
        .map(|m| m.len())
        .unwrap_or(0);
    usize::try_from(journal.saturating_mul(2).saturating_add(WELCOME_SLACK)).unwrap_or(usize::MAX)
}

/// A note longer than this is refused (it would not fit a screen or a report line).
pub const MAX_NOTE: usize = 4000;

/// What a joiner sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientLine {
    Hello {
        protocol: u32,
        version: String,
        /// what the connection is for; absent (a joiner, or a protocol 1 client): join
        #[serde(default, skip_serializing_if = "Intent::is_join")]
        intent: Intent,
    },
    /// Acknowledged by `ack` once the driver has fsynced it, or answered by `refused`.
    Note {
        id: u64,
        kind: NoteKind,
        text: String,
    },
    /// The kill switch.
    Abort { id: u64, detail: String },
    /// Mark a milestone of the scenario, as the joiner (its user name, from the socket):
    /// acknowledged by `ack` once the driver has fsynced it, or answered by `refused`
    /// (not a milestone of the scenario, marked already, nothing triggered yet).
    Milestone { id: u64, name: String },
    /// The joiner could not follow (a step it could not read): a fresh `welcome`, please.
    Resync,
}

/// What a connection comes for, said in its `hello`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// A seat in the room: the welcome, the driver's steps, notes and the kill switch;
    /// journaled as a join.
    #[default]
    Join,
    /// One `status` line, then the driver hangs up. Read-only, journals nothing.
    Status,
    /// `gameday abort`: the welcome and the steps, so the client sees every revert
    /// settle, and the kill switch (`abort`) as the only request. No seat, no join in
    /// the journal; its abort's source is `command`.
    Abort,
}

impl Intent {
    pub fn is_join(&self) -> bool {
        *self == Intent::Join
    }

    /// The word for what the connection came to do, in a refusal: "may not query".
    pub fn verb(self) -> &'static str {
        match self {
            Intent::Join => "join",
            Intent::Status => "query",
            Intent::Abort => "stop",
        }
    }

    /// The connection, as the driver's log names it.
    pub fn what(self) -> &'static str {
        match self {
            Intent::Join => "a joiner",
            Intent::Status => "a status query",
            Intent::Abort => "an abort",
        }
    }

    /// The protocol a client with this intent says it speaks: the oldest that has it.
    pub fn protocol(self) -> u32 {
        match self {
            // a joiner reads milestones, and may mark them
            Intent::Join => MILESTONES_PROTOCOL,
            // the intents came with 2
            Intent::Status | Intent::Abort => 2,
        }
    }
}

/// Why a connection or a request was refused: a client tells a person who lacks the
/// permission (77) from a run that is ending (69) and a driver that asks them to wait
/// (75), rather than calling every refusal a permission problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Not the run's owner nor in its group, or the driver cannot tell who the peer is.
    Denied,
    /// The driver's loop has stopped taking requests: the run has reached its end.
    Ending,
    /// Too many connections, queries or joins for now, or the room is full: try later.
    Busy,
    /// A client of another protocol, or one that did not say hello properly.
    Incompatible,
    /// A request the driver will not carry out as asked (an empty note, a milestone
    /// marked already): what the message says.
    Rejected,
    /// A kind a newer driver sends that this client does not know.
    #[serde(other)]
    Other,
}

impl Refusal {
    /// The exit code a client that was refused its connection exits with.
    pub fn exit_code(kind: Option<Refusal>) -> i32 {
        use crate::exit::ExitStatus;
        match kind {
            // a driver older than the kinds refused only for these in practice
            None | Some(Refusal::Denied) => ExitStatus::NoPermission.code(),
            Some(Refusal::Busy) => ExitStatus::NotConfirmed.code(),
            Some(Refusal::Ending | Refusal::Incompatible | Refusal::Rejected | Refusal::Other) => {
                ExitStatus::Unavailable.code()
            }
        }
    }
}

/// What the driver sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerLine {
    Welcome {
        protocol: u32,
        /// the joiner's user name, from its uid
        you: String,
        driver: String,
        info: Box<RunInfo>,
        state: Box<State>,
        /// the journal so far
        records: Vec<Record>,
        now: Ts,
    },
    /// One message the driver's engine handled at `now` (none for a record written
    /// outside the engine, such as a join), and the records it journaled.
    Step {
        now: Ts,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        msg: Option<Msg>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        records: Vec<Record>,
    },
    /// The request `id` is durable in the journal as record `seq`.
    Ack { id: u64, seq: u64 },
    /// The request `id` (or, without an id, the connection) was refused.
    Refused {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        message: String,
        /// Why, for the client's exit code. Optional, so no protocol bump: a driver
        /// older than it sends none (the client reads that as `denied`, as it always
        /// did), and an older client ignores the field.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<Refusal>,
    },
    /// The answer to a `status` connection: how the run stands, then the driver hangs up.
    Status { status: Box<status::RunStatus> },
    /// The driver ended the run.
    Ended {
        exit_code: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verdict: Option<Verdict>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        report: Option<String>,
        run_dir: String,
    },
}

impl ServerLine {
    /// A refusal of the request `id` (none: the connection), with its kind.
    pub fn refused(id: Option<u64>, kind: Refusal, message: impl Into<String>) -> ServerLine {
        ServerLine::Refused {
            id,
            message: message.into(),
            kind: Some(kind),
        }
    }
}

/// One line of the protocol, newline included.
pub fn encode<T: Serialize>(line: &T) -> String {
    match serde_json::to_string(line) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        // only non-string map keys fail, and there are none
        Err(e) => format!("{{\"type\":\"refused\",\"message\":\"cannot encode: {e}\"}}\n"),
    }
}

/// The path to bind or connect to. A Unix socket path is limited to 107 bytes; a deeper
/// run directory is reached through `/proc/self/fd` of an open handle on it, which
/// `hold` keeps open while the path is in use.
pub fn socket_path(run_dir: &Path) -> std::io::Result<(PathBuf, Option<std::fs::File>)> {
    let path = run_dir.join(SOCKET);
    if path.as_os_str().len() < 100 {
        return Ok((path, None));
    }
    let dir = std::fs::File::open(run_dir)?;
    let fd = std::os::fd::AsRawFd::as_raw_fd(&dir);
    Ok((
        PathBuf::from(format!("/proc/self/fd/{fd}/{SOCKET}")),
        Some(dir),
    ))
}

/// The user name of a uid, or `uid N` when the system has no name for it.
pub fn user_name(uid: u32) -> String {
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(u)) => u.name,
        _ => format!("uid {uid}"),
    }
}

pub fn group_name(gid: u32) -> String {
    match nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid)) {
        Ok(Some(g)) => g.name,
        _ => format!("gid {gid}"),
    }
}

/// Whether `uid` may join a run whose directory has `dir`'s owner and group: the owner,
/// or a member of the group (primary or supplementary). The kernel already refuses others
/// at `connect` (the socket is 0660); this is the check root cannot bypass.
pub fn may_join(uid: u32, dir: &std::fs::Metadata, run_dir: &Path) -> Result<(), String> {
    if uid == dir.uid() {
        return Ok(());
    }
    let name = user_name(uid);
    let in_group = match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(u)) => {
            u.gid.as_raw() == dir.gid()
                || std::ffi::CString::new(u.name.clone())
                    .ok()
                    .and_then(|c| nix::unistd::getgrouplist(&c, u.gid).ok())
                    .is_some_and(|groups| groups.iter().any(|g| g.as_raw() == dir.gid()))
        }
        _ => false,
    };
    if in_group {
        return Ok(());
    }
    Err(refusal(&name, dir, run_dir))
}

/// The words for a user who may not join.
pub fn refusal(name: &str, dir: &std::fs::Metadata, run_dir: &Path) -> String {
    refusal_to("join", name, dir, run_dir)
}

/// The words for a user who may not `verb` (join, stop, query) the run: the same people
/// may do all three.
pub fn refusal_to(verb: &str, name: &str, dir: &std::fs::Metadata, run_dir: &Path) -> String {
    format!(
        "{name} may not {verb} {}: only its owner ({}) and the members of its group ({}) can; \
         ask the driver to add you to group {}, or to run with --out in a directory your \
         group shares",
        run_dir.display(),
        user_name(dir.uid()),
        group_name(dir.gid()),
        group_name(dir.gid()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_the_tag_is_type() {
        let l = ClientLine::Note {
            id: 3,
            kind: NoteKind::Action,
            text: "page the DBA".into(),
        };
        let s = encode(&l);
        assert!(s.ends_with('\n'));
        assert!(s.contains("\"type\":\"note\""), "{s}");
        let back: ClientLine = serde_json::from_str(s.trim_end()).unwrap();
        assert_eq!(back, l);
        let step = ServerLine::Step {
            now: chrono::Utc::now(),
            msg: Some(Msg::sample(1, Err("no data".into()))),
            records: vec![],
        };
        let back: ServerLine = serde_json::from_str(encode(&step).trim_end()).unwrap();
        assert_eq!(encode(&back), encode(&step));
    }

    #[test]
    fn a_deep_run_directory_is_reached_through_proc() {
        let tmp = tempfile::tempdir().unwrap();
        let deep = tmp.path().join("d".repeat(60)).join("e".repeat(60));
        std::fs::create_dir_all(&deep).unwrap();
        let (path, hold) = socket_path(&deep).unwrap();
        assert!(hold.is_some());
        assert!(path.as_os_str().len() < 100, "{}", path.display());
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        assert!(deep.join(SOCKET).exists());
        let (cpath, _chold) = socket_path(&deep).unwrap();
        std::os::unix::net::UnixStream::connect(&cpath).unwrap();
        drop(listener);
    }

    #[test]
    fn the_owner_may_join_and_a_stranger_gets_words_that_say_who_may() {
        let tmp = tempfile::tempdir().unwrap();
        let meta = std::fs::metadata(tmp.path()).unwrap();
        assert!(may_join(meta.uid(), &meta, tmp.path()).is_ok());
        // a uid with no name and no groups
        let err = may_join(4_000_123, &meta, tmp.path()).unwrap_err();
        assert!(err.contains("uid 4000123 may not join"), "{err}");
        assert!(err.contains("only its owner"), "{err}");
    }
}

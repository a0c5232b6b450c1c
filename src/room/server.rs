//! The driver's side of the room: the socket, one task per joiner, and the requests they
//! hand to the driver's loop. Nothing here touches the journal or the engine: the loop
//! does, in the runner's `Session::serve`, so a note is acknowledged only once the
//! loop has fsynced it, and a joiner that stalls or vanishes holds up nobody.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::status::RunStatus;
use super::{
    encode, may_join, ClientLine, Intent, Refusal, ServerLine, MAX_CLIENT_LINE, MAX_NOTE,
    OLDEST_PROTOCOL, PROTOCOL,
};
use crate::journal::{AbortSource, NoteKind};

/// What a connection is told once the driver's loop takes no more requests.
const ENDING: &str = "the run is ending";

/// At most this many joiners at once: a room, not a broadcast. Only connections that
/// said hello count, so idle connections cannot fill the room.
pub const MAX_GUESTS: usize = 16;

/// Connections one user may hold open at once, joined or not: a member of the group
/// opening hundreds of connections holds only this many, and the room stays open to
/// everyone else.
pub const MAX_CONNECTIONS_PER_USER: usize = 4;

/// A connection that has not said hello by then is dropped.
pub const HELLO_WITHIN: Duration = Duration::from_secs(3);

/// Joins per user: a burst of [`JOIN_BURST`], then one every [`JOIN_EVERY`]. Each join
/// is journaled, so connect/disconnect loops would otherwise flood the journal.
pub const JOIN_BURST: u32 = 5;
pub const JOIN_EVERY: Duration = Duration::from_secs(10);

/// Notes per user: a burst of [`NOTE_BURST`], then one every [`NOTE_EVERY`]; milestone
/// requests take from the same bucket. The kill switch is never limited.
pub const NOTE_BURST: u32 = 10;
pub const NOTE_EVERY: Duration = Duration::from_secs(1);

/// Status queries per user: a burst of [`STATUS_BURST`], then one every [`STATUS_EVERY`]
/// (`watch gameday status` once a second is fine). Each one takes a turn of the driver's
/// loop, so a loop of them must not slow the run.
pub const STATUS_BURST: u32 = 10;
pub const STATUS_EVERY: Duration = Duration::from_secs(1);

/// A token bucket: `burst` at once, then one every `every`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: std::time::Instant,
}

impl Bucket {
    fn full(burst: u32) -> Bucket {
        Bucket {
            tokens: f64::from(burst),
            at: std::time::Instant::now(),
        }
    }

    /// Takes one token, or says how long until there is one.
    fn take(&mut self, burst: u32, every: Duration) -> Result<(), Duration> {
        let now = std::time::Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() / every.as_secs_f64();
        self.tokens = (self.tokens + refill).min(f64::from(burst));
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(every.mul_f64(1.0 - self.tokens))
        }
    }
}

/// What the room keeps per user (by uid): open connections, and the join and note
/// buckets.
#[derive(Debug)]
struct UserState {
    connections: usize,
    joins: Bucket,
    notes: Bucket,
    queries: Bucket,
}

type Users = Arc<std::sync::Mutex<std::collections::HashMap<u32, UserState>>>;

fn with_user<T>(users: &Users, uid: u32, f: impl FnOnce(&mut UserState) -> T) -> T {
    let mut map = users
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let state = map.entry(uid).or_insert_with(|| UserState {
        connections: 0,
        joins: Bucket::full(JOIN_BURST),
        notes: Bucket::full(NOTE_BURST),
        queries: Bucket::full(STATUS_BURST),
    });
    f(state)
}

/// Who is in the room now: user name, and how many of their connections joined. Kept
/// by the connections themselves (a [`Seat`] each), so a joiner that vanished without a
/// word is gone from it as soon as its connection task ends.
pub type Present = Arc<std::sync::Mutex<std::collections::BTreeMap<String, usize>>>;

/// One joined connection in [`Present`]; taken out when the connection ends.
struct Seat {
    present: Present,
    user: String,
}

impl Seat {
    fn take(present: &Present, user: &str) -> Seat {
        let mut map = present
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *map.entry(user.to_string()).or_insert(0) += 1;
        Seat {
            present: Arc::clone(present),
            user: user.to_string(),
        }
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut map = self
            .present
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.user);
            }
        }
    }
}

/// The user names in the room, each once, in order.
fn present_names(present: &Present) -> Vec<String> {
    present
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .keys()
        .cloned()
        .collect()
}

/// One open connection of a user; counted down when the connection ends, whichever way.
struct Slot {
    users: Users,
    uid: u32,
}

impl Drop for Slot {
    fn drop(&mut self) {
        with_user(&self.users, self.uid, |u| {
            u.connections = u.connections.saturating_sub(1)
        });
    }
}

fn wait_words(d: Duration) -> String {
    format!("{} s", d.as_secs() + 1)
}

/// Lines a joiner may fall behind before it is sent a fresh snapshot instead.
const BACKLOG: usize = 4096;

/// What a joiner asks of the driver's loop.
#[derive(Debug)]
pub enum Request {
    /// Journal the join, then answer with the welcome line and a subscription that starts
    /// right after it.
    Join {
        user: String,
        reply: oneshot::Sender<Welcome>,
    },
    /// A fresh welcome, nothing journaled: for a joiner that fell behind, and the first
    /// one of an abort connection.
    Resync {
        user: String,
        reply: oneshot::Sender<Welcome>,
    },
    Note {
        user: String,
        id: u64,
        kind: NoteKind,
        text: String,
        reply: oneshot::Sender<ServerLine>,
    },
    Abort {
        user: String,
        /// `join` from a joiner, `command` from `gameday abort`
        source: AbortSource,
        id: u64,
        detail: String,
        reply: oneshot::Sender<ServerLine>,
    },
    Milestone {
        user: String,
        id: u64,
        name: String,
        reply: oneshot::Sender<ServerLine>,
    },
    /// How the run stands, for `gameday status` (nothing journaled); the connection adds
    /// who is in the room.
    Status {
        reply: oneshot::Sender<RunStatus>,
    },
    Left {
        user: String,
        detail: String,
    },
}

/// The welcome line, and what follows it.
#[derive(Debug)]
pub struct Welcome {
    pub line: String,
    pub rx: broadcast::Receiver<Arc<str>>,
}

/// The open socket of a live run.
pub struct Room {
    /// the socket's real path, removed at the end
    path: PathBuf,
    tx: Option<broadcast::Sender<Arc<str>>>,
    accept: JoinHandle<()>,
    /// one clone per joiner that said hello (a seat); connections hold a weak handle
    guests: Arc<()>,
    /// keeps a `/proc/self/fd` path valid
    _hold: Option<std::fs::File>,
}

impl Room {
    /// Binds `RUN_DIR/control.sock`, open to the run directory's owner and group only.
    ///
    /// `oldest_join`: the oldest protocol a joiner may speak to be seated (a run with
    /// milestones seats none older than [`super::MILESTONES_PROTOCOL`]).
    pub fn open(
        run_dir: &Path,
        oldest_join: u32,
    ) -> std::io::Result<(Room, mpsc::Receiver<Request>)> {
        let (bind_path, hold) = super::socket_path(run_dir)?;
        let listener = UnixListener::bind(&bind_path)?;
        let path = run_dir.join(super::SOCKET);
        restrict(&path, run_dir);
        let (req_tx, req_rx) = mpsc::channel(64);
        let (tx, _) = broadcast::channel(BACKLOG);
        let guests = Arc::new(());
        let accept = tokio::spawn(accept_loop(
            listener,
            req_tx,
            run_dir.to_path_buf(),
            Arc::downgrade(&guests),
            Present::default(),
            oldest_join,
        ));
        Ok((
            Room {
                path,
                tx: Some(tx),
                accept,
                guests,
                _hold: hold,
            },
            req_rx,
        ))
    }

    /// Whether anyone is listening: nothing is encoded for an empty room.
    pub fn has_guests(&self) -> bool {
        self.tx.as_ref().is_some_and(|tx| tx.receiver_count() > 0)
    }

    pub fn send(&self, line: &ServerLine) {
        if let Some(tx) = self.tx.as_ref().filter(|tx| tx.receiver_count() > 0) {
            let _ = tx.send(Arc::from(encode(line)));
        }
    }

    /// A subscription that sees every line sent from now on.
    pub fn subscribe(&self) -> Option<broadcast::Receiver<Arc<str>>> {
        self.tx.as_ref().map(broadcast::Sender::subscribe)
    }

    /// Says goodbye (`ended`), gives the joiners a moment to read it, and removes the
    /// socket.
    pub async fn close(mut self, ended: ServerLine) {
        self.accept.abort();
        self.send(&ended);
        drop(self.tx.take());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while Arc::strong_count(&self.guests) > 1 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        self.accept.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// 0660, group of the run directory: the kernel turns everyone else away at `connect`.
fn restrict(path: &Path, run_dir: &Path) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660)) {
        tracing::warn!("cannot restrict {}: {e}", path.display());
    }
    if let Ok(meta) = std::fs::metadata(run_dir) {
        if let Err(e) = std::os::unix::fs::chown(path, None, Some(meta.gid())) {
            tracing::warn!("cannot give {} to the run's group: {e}", path.display());
        }
    }
}

async fn accept_loop(
    listener: UnixListener,
    req: mpsc::Sender<Request>,
    run_dir: PathBuf,
    guests: std::sync::Weak<()>,
    present: Present,
    oldest_join: u32,
) {
    let users: Users = Arc::default();
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let req = req.clone();
                let run_dir = run_dir.clone();
                // a seat is taken only after hello: pending connections take none
                let guests = guests.clone();
                let users = Arc::clone(&users);
                let present = Arc::clone(&present);
                tokio::spawn(async move {
                    serve_joiner(stream, req, &run_dir, guests, users, present, oldest_join).await;
                });
            }
            Err(e) => {
                tracing::warn!("control socket: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Reads one line of at most `max` bytes; `None` at the end of input. A longer one is an
/// `InvalidData` error, read no further than `max`.
pub(crate) async fn read_line<R: AsyncRead + Unpin>(
    rd: &mut BufReader<R>,
    max: usize,
) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = (&mut *rd)
        .take((max as u64).saturating_add(1))
        .read_until(b'\n', &mut buf)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') && buf.len() > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("a line longer than {max} bytes"),
        ));
    }
    String::from_utf8(buf)
        .map(|s| Some(s.trim_end_matches(['\n', '\r']).to_string()))
        .map_err(|_| std::io::Error::other("a line that is not UTF-8"))
}

async fn write_line<W: tokio::io::AsyncWrite + Unpin>(
    w: &mut BufWriter<W>,
    line: &str,
) -> std::io::Result<()> {
    w.write_all(line.as_bytes()).await?;
    w.flush().await
}

/// Hands a request to the driver's loop and waits for its answer; `None` once the loop
/// has stopped listening (the run is ending).
async fn ask<T>(
    req: &mpsc::Sender<Request>,
    make: impl FnOnce(oneshot::Sender<T>) -> Request,
) -> Option<T> {
    let (tx, rx) = oneshot::channel();
    req.send(make(tx)).await.ok()?;
    rx.await.ok()
}

/// The answer to a note or an abort, or why there is none.
async fn answer(
    req: &mpsc::Sender<Request>,
    make: impl FnOnce(oneshot::Sender<ServerLine>) -> Request,
) -> ServerLine {
    ask(req, make)
        .await
        .unwrap_or_else(|| ServerLine::refused(None, Refusal::Ending, "the run is ending"))
}

/// A fresh welcome for a joiner that fell behind or could not read a line: the new
/// subscription, or why the connection ends (`None`: the run is ending).
async fn resync<W: tokio::io::AsyncWrite + Unpin>(
    req: &mpsc::Sender<Request>,
    user: &str,
    wr: &mut BufWriter<W>,
) -> Result<broadcast::Receiver<Arc<str>>, Option<String>> {
    let w = ask(req, |reply| Request::Resync {
        user: user.to_string(),
        reply,
    })
    .await
    .ok_or(None)?;
    write_line(wr, &w.line)
        .await
        .map_err(|e| Some(format!("connection lost: {e}")))?;
    Ok(w.rx)
}

/// Says why the connection is refused, in a way the joiner gets to read: its hello is
/// read first (a refusal written before it would meet a broken pipe on the joiner's
/// side, and the joiner would see "Broken pipe" instead of why), then the refusal, then
/// a moment for the joiner to read it and hang up.
async fn refuse_connection<R: AsyncRead + Unpin, W: tokio::io::AsyncWrite + Unpin>(
    rd: &mut BufReader<R>,
    wr: &mut BufWriter<W>,
    hello_read: bool,
    kind: Refusal,
    message: String,
) {
    if !hello_read {
        let _ =
            tokio::time::timeout(Duration::from_millis(500), read_line(rd, MAX_CLIENT_LINE)).await;
    }
    let line = encode(&ServerLine::refused(None, kind, message));
    let _ = tokio::time::timeout(Duration::from_secs(1), write_line(wr, &line)).await;
    let _ = wr.shutdown().await;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let mut sink = [0u8; 256];
        while matches!(rd.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
}

async fn serve_joiner(
    stream: UnixStream,
    req: mpsc::Sender<Request>,
    run_dir: &Path,
    guests: std::sync::Weak<()>,
    users: Users,
    present: Present,
    oldest_join: u32,
) {
    let cred = stream.peer_cred();
    let (rd, wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let mut wr = BufWriter::new(wr);
    let uid = match cred {
        Ok(c) => c.uid(),
        Err(e) => {
            let why = format!("cannot tell who you are: {e}");
            refuse_connection(&mut rd, &mut wr, false, Refusal::Denied, why).await;
            return;
        }
    };
    // Err(Ok(meta)): not the owner nor in the group; Err(Err(why)): cannot tell
    let allowed: Result<(), Result<std::fs::Metadata, String>> = match std::fs::metadata(run_dir) {
        Ok(meta) => match may_join(uid, &meta, run_dir) {
            Ok(()) => Ok(()),
            Err(_) => Err(Ok(meta)),
        },
        Err(e) => Err(Err(format!("cannot read {}: {e}", run_dir.display()))),
    };
    if let Err(denied) = allowed {
        // the hello says what the connection came for, so the refusal (and the log) name
        // that (a status query is not a join)
        let hello = tokio::time::timeout(
            Duration::from_millis(500),
            read_line(&mut rd, MAX_CLIENT_LINE),
        )
        .await;
        let intent = match hello {
            Ok(Ok(Some(line))) => match serde_json::from_str::<ClientLine>(&line) {
                Ok(ClientLine::Hello { intent, .. }) => intent,
                _ => Intent::Join,
            },
            _ => Intent::Join,
        };
        let message = match denied {
            Ok(meta) => super::refusal_to(intent.verb(), &super::user_name(uid), &meta, run_dir),
            Err(why) => why,
        };
        tracing::warn!("refused {}: {message}", intent.what());
        refuse_connection(&mut rd, &mut wr, true, Refusal::Denied, message).await;
        return;
    }
    let user = super::user_name(uid);
    // one user's connections, however many it opens, hold at most a few slots
    let open = with_user(&users, uid, |u| {
        if u.connections >= MAX_CONNECTIONS_PER_USER {
            false
        } else {
            u.connections += 1;
            true
        }
    });
    if !open {
        let why = format!(
            "{user} already has {MAX_CONNECTIONS_PER_USER} connections to this run open; \
             close one (another `gameday join`?) and try again"
        );
        refuse_connection(&mut rd, &mut wr, false, Refusal::Busy, why).await;
        return;
    }
    let _slot = Slot {
        users: Arc::clone(&users),
        uid,
    };
    let hello = tokio::time::timeout(HELLO_WITHIN, read_line(&mut rd, MAX_CLIENT_LINE)).await;
    let intent = match hello {
        Ok(Ok(Some(line))) => match serde_json::from_str::<ClientLine>(&line) {
            // a joiner older than the run needs could not read what it would be sent
            Ok(ClientLine::Hello {
                protocol,
                version,
                intent: Intent::Join,
            }) if (OLDEST_PROTOCOL..oldest_join).contains(&protocol) => Err(format!(
                "this run has milestones, which your gameday ({version}, protocol {protocol}) \
                 cannot read: join with the same gameday as the driver ({})",
                env!("CARGO_PKG_VERSION")
            )),
            Ok(ClientLine::Hello {
                protocol, intent, ..
            }) if (OLDEST_PROTOCOL..=PROTOCOL).contains(&protocol) => Ok(intent),
            Ok(ClientLine::Hello {
                protocol, version, ..
            }) => Err(format!(
                "this run's gameday ({}) speaks protocol {PROTOCOL}, yours ({version}) speaks \
                 {protocol}: join with the same gameday as the driver",
                env!("CARGO_PKG_VERSION")
            )),
            _ => Err("expected a hello line first".to_string()),
        },
        _ => Err(format!("no hello within {} s", HELLO_WITHIN.as_secs())),
    };
    let intent = match intent {
        Ok(i) => i,
        Err(message) => {
            refuse_connection(&mut rd, &mut wr, true, Refusal::Incompatible, message).await;
            return;
        }
    };
    match intent {
        Intent::Status => {
            answer_status(&mut rd, &mut wr, &req, &users, uid, &user, &present).await;
            return;
        }
        // the kill switch from another shell: no seat, no join journaled, never limited
        Intent::Abort => {
            let Some(w) = ask(&req, |reply| Request::Resync {
                user: user.clone(),
                reply,
            })
            .await
            else {
                refuse_connection(&mut rd, &mut wr, true, Refusal::Ending, ENDING.into()).await;
                return;
            };
            if write_line(&mut wr, &w.line).await.is_ok() {
                follow(
                    &mut rd,
                    &mut wr,
                    &req,
                    w.rx,
                    &users,
                    uid,
                    &user,
                    Intent::Abort,
                )
                .await;
            }
            return;
        }
        Intent::Join => {}
    }
    // a seat in the room, for joiners that said hello
    let Some(seat) = guests.upgrade() else {
        refuse_connection(&mut rd, &mut wr, true, Refusal::Ending, ENDING.into()).await;
        return;
    };
    // the room's own handle, and one per seat
    if Arc::strong_count(&seat) > MAX_GUESTS + 1 {
        let why = format!("the room is full ({MAX_GUESTS} joiners)");
        refuse_connection(&mut rd, &mut wr, true, Refusal::Busy, why).await;
        return;
    }
    if let Err(wait) = with_user(&users, uid, |u| u.joins.take(JOIN_BURST, JOIN_EVERY)) {
        let why = format!(
            "{user} joined too often (at most {JOIN_BURST} joins, then one every {} s); \
             join again in {}",
            JOIN_EVERY.as_secs(),
            wait_words(wait)
        );
        refuse_connection(&mut rd, &mut wr, true, Refusal::Busy, why).await;
        return;
    }
    let Some(w) = ask(&req, |reply| Request::Join {
        user: user.clone(),
        reply,
    })
    .await
    else {
        refuse_connection(&mut rd, &mut wr, true, Refusal::Ending, ENDING.into()).await;
        return;
    };
    if write_line(&mut wr, &w.line).await.is_err() {
        let _ = req
            .send(Request::Left {
                user,
                detail: "connection lost".into(),
            })
            .await;
        return;
    }
    let _in_the_room = Seat::take(&present, &user);
    let detail = follow(
        &mut rd,
        &mut wr,
        &req,
        w.rx,
        &users,
        uid,
        &user,
        Intent::Join,
    )
    .await;
    drop(seat);
    if let Some(detail) = detail {
        let _ = tokio::time::timeout(
            Duration::from_secs(1),
            req.send(Request::Left { user, detail }),
        )
        .await;
    }
}

/// A `status` connection: one answer, then the driver hangs up. Rate-limited per user
/// like notes: each answer takes a turn of the driver's loop.
async fn answer_status<R: AsyncRead + Unpin, W: tokio::io::AsyncWrite + Unpin>(
    rd: &mut BufReader<R>,
    wr: &mut BufWriter<W>,
    req: &mpsc::Sender<Request>,
    users: &Users,
    uid: u32,
    user: &str,
    present: &Present,
) {
    if let Err(wait) = with_user(users, uid, |u| u.queries.take(STATUS_BURST, STATUS_EVERY)) {
        let why = format!(
            "{user} asked too often (at most {STATUS_BURST} status queries at once, then one \
             a second); ask again in {}",
            wait_words(wait)
        );
        refuse_connection(rd, wr, true, Refusal::Busy, why).await;
        return;
    }
    let Some(mut status) = ask(req, |reply| Request::Status { reply }).await else {
        refuse_connection(rd, wr, true, Refusal::Ending, ENDING.into()).await;
        return;
    };
    status.joiners = present_names(present);
    let line = encode(&ServerLine::Status {
        status: Box::new(status),
    });
    let _ = tokio::time::timeout(Duration::from_secs(1), write_line(wr, &line)).await;
    let _ = wr.shutdown().await;
}

/// A joined (or aborting) connection after its welcome: the driver's lines out, the
/// client's requests in. Returns why the connection ended (`None`: the run ended, and
/// `ended` was the last line).
#[allow(clippy::too_many_arguments)]
async fn follow<R: AsyncRead + Unpin, W: tokio::io::AsyncWrite + Unpin>(
    rd: &mut BufReader<R>,
    wr: &mut BufWriter<W>,
    req: &mpsc::Sender<Request>,
    mut sub: broadcast::Receiver<Arc<str>>,
    users: &Users,
    uid: u32,
    user: &str,
    intent: Intent,
) -> Option<String> {
    let source = match intent {
        Intent::Abort => AbortSource::Command,
        _ => AbortSource::Join,
    };
    loop {
        tokio::select! {
            b = sub.recv() => match b {
                Ok(line) => {
                    if let Err(e) = write_line(wr, &line).await {
                        break Some(format!("connection lost: {e}"));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => match resync(req, user, wr).await {
                    Ok(rx) => sub = rx,
                    Err(why) => break why,
                },
                // the run ended: `ended` was the last line
                Err(broadcast::error::RecvError::Closed) => break None,
            },
            l = read_line(rd, MAX_CLIENT_LINE) => {
                let line = match l {
                    Ok(Some(line)) => line,
                    Ok(None) => break Some(String::new()),
                    Err(e) => break Some(format!("connection lost: {e}")),
                };
                let reply = match serde_json::from_str::<ClientLine>(&line) {
                    Ok(ClientLine::Note { id, .. }) if intent != Intent::Join => {
                        ServerLine::refused(Some(id), Refusal::Denied, "only a joiner writes notes: `gameday join`")
                    }
                    Ok(ClientLine::Note { id, text, .. }) if text.chars().count() > MAX_NOTE => {
                        ServerLine::refused(Some(id), Refusal::Rejected, format!("a note is at most {MAX_NOTE} characters"))
                    }
                    // the text as decoded: a NUL written `\u0000` in the JSON is a NUL too
                    Ok(ClientLine::Note { id, text, .. }) if text.contains('\0') => {
                        ServerLine::refused(Some(id), Refusal::Rejected, "a note cannot hold a NUL")
                    }
                    Ok(ClientLine::Note { id, kind, text }) => {
                        match with_user(users, uid, |u| u.notes.take(NOTE_BURST, NOTE_EVERY)) {
                            Ok(()) => answer(req, |reply| Request::Note { user: user.to_string(), id, kind, text, reply }).await,
                            Err(wait) => ServerLine::refused(
                                Some(id),
                                Refusal::Busy,
                                format!(
                                    "too many notes (at most {NOTE_BURST} at once, then one a second); send it again in {}",
                                    wait_words(wait)
                                ),
                            ),
                        }
                    }
                    // a name is short and one line; what names no milestone is refused by
                    // the engine, and a request of any kind costs the note bucket
                    Ok(ClientLine::Milestone { id, .. }) if intent != Intent::Join => {
                        ServerLine::refused(Some(id), Refusal::Denied, "only a joiner marks milestones: `gameday join`")
                    }
                    Ok(ClientLine::Milestone { id, name }) if name.chars().count() > crate::milestones::MAX_NAME || name.contains('\0') => {
                        ServerLine::refused(Some(id), Refusal::Rejected, format!("a milestone's name is one line of at most {} characters", crate::milestones::MAX_NAME))
                    }
                    Ok(ClientLine::Milestone { id, name }) => {
                        match with_user(users, uid, |u| u.notes.take(NOTE_BURST, NOTE_EVERY)) {
                            Ok(()) => answer(req, |reply| Request::Milestone { user: user.to_string(), id, name, reply }).await,
                            Err(wait) => ServerLine::refused(
                                Some(id),
                                Refusal::Busy,
                                format!(
                                    "too many requests (at most {NOTE_BURST} notes and milestones at once, then one a second); send it again in {}",
                                    wait_words(wait)
                                ),
                            ),
                        }
                    }
                    // the kill switch is never rate-limited; its detail is text like a note's
                    Ok(ClientLine::Abort { id, detail }) => {
                        let detail = detail.replace('\0', "").chars().take(MAX_NOTE).collect();
                        answer(req, |reply| Request::Abort { user: user.to_string(), source, id, detail, reply }).await
                    }
                    Ok(ClientLine::Resync) => match resync(req, user, wr).await {
                        Ok(rx) => { sub = rx; continue; }
                        Err(why) => break why,
                    },
                    Ok(ClientLine::Hello { .. }) => continue,
                    Err(e) => ServerLine::refused(None, Refusal::Incompatible, format!("cannot read that line: {e}")),
                };
                if let Err(e) = write_line(wr, &encode(&reply)).await {
                    break Some(format!("connection lost: {e}"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_one_per_period() {
        let mut b = Bucket::full(3);
        let every = Duration::from_secs(10);
        for _ in 0..3 {
            assert!(b.take(3, every).is_ok());
        }
        let wait = b.take(3, every).unwrap_err();
        assert!(wait > Duration::from_secs(9) && wait <= every, "{wait:?}");
        // time passes: one more
        b.at -= every;
        assert!(b.take(3, every).is_ok());
        assert!(b.take(3, every).is_err());
    }

    #[test]
    fn slots_are_given_back_whichever_way_a_connection_ends() {
        let users: Users = Arc::default();
        with_user(&users, 7, |u| u.connections += 2);
        drop(Slot {
            users: Arc::clone(&users),
            uid: 7,
        });
        assert_eq!(with_user(&users, 7, |u| u.connections), 1);
    }
}

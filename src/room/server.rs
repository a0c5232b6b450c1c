//! The driver's side of the room: the socket, one task per joiner, and the requests they
//! hand to the driver's loop. Nothing here touches the journal or the engine: the loop
//! does, in [`crate::runner::Session::serve`], so a note is acknowledged only once the
//! loop has fsynced it, and a joiner that stalls or vanishes holds up nobody.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::{encode, may_join, ClientLine, ServerLine, MAX_CLIENT_LINE, MAX_NOTE, PROTOCOL};
use crate::journal::NoteKind;

/// At most this many joiners at once: a room, not a broadcast.
pub const MAX_GUESTS: usize = 16;

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
    /// A fresh welcome for a joiner that fell behind (nothing journaled).
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
        id: u64,
        detail: String,
        reply: oneshot::Sender<ServerLine>,
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
    /// one clone per connection task
    guests: Arc<()>,
    /// keeps a `/proc/self/fd` path valid
    _hold: Option<std::fs::File>,
}

impl Room {
    /// Binds `RUN_DIR/control.sock`, open to the run directory's owner and group only.
    pub fn open(run_dir: &Path) -> std::io::Result<(Room, mpsc::Receiver<Request>)> {
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
            Arc::clone(&guests),
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
    guests: Arc<()>,
) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let token = Arc::clone(&guests);
                let req = req.clone();
                let run_dir = run_dir.clone();
                tokio::spawn(async move {
                    if Arc::strong_count(&token) > MAX_GUESTS + 1 {
                        let mut w = stream;
                        let line = encode(&ServerLine::Refused {
                            id: None,
                            message: format!("the room is full ({MAX_GUESTS} joiners)"),
                        });
                        let _ = w.write_all(line.as_bytes()).await;
                        return;
                    }
                    serve_joiner(stream, req, &run_dir).await;
                    drop(token);
                });
            }
            Err(e) => {
                tracing::warn!("control socket: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Reads one line of at most `MAX_CLIENT_LINE` bytes; `None` at the end of input.
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
        return Err(std::io::Error::other(format!(
            "a line longer than {max} bytes"
        )));
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
    ask(req, make).await.unwrap_or(ServerLine::Refused {
        id: None,
        message: "the run is ending".into(),
    })
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

async fn serve_joiner(stream: UnixStream, req: mpsc::Sender<Request>, run_dir: &Path) {
    let cred = stream.peer_cred();
    let (rd, wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let mut wr = BufWriter::new(wr);
    let refuse = |message: String| encode(&ServerLine::Refused { id: None, message });
    let uid = match cred {
        Ok(c) => c.uid(),
        Err(e) => {
            let _ = write_line(&mut wr, &refuse(format!("cannot tell who you are: {e}"))).await;
            return;
        }
    };
    let allowed = std::fs::metadata(run_dir)
        .map_err(|e| format!("cannot read {}: {e}", run_dir.display()))
        .and_then(|meta| may_join(uid, &meta, run_dir));
    if let Err(message) = allowed {
        tracing::warn!("refused a joiner: {message}");
        let _ = write_line(&mut wr, &refuse(message)).await;
        return;
    }
    let hello =
        tokio::time::timeout(Duration::from_secs(5), read_line(&mut rd, MAX_CLIENT_LINE)).await;
    let ok = match hello {
        Ok(Ok(Some(line))) => match serde_json::from_str::<ClientLine>(&line) {
            Ok(ClientLine::Hello { protocol, .. }) if protocol == PROTOCOL => Ok(()),
            Ok(ClientLine::Hello { protocol, version }) => Err(format!(
                "this run's gameday ({}) speaks protocol {PROTOCOL}, yours ({version}) speaks \
                 {protocol}: join with the same gameday as the driver",
                env!("CARGO_PKG_VERSION")
            )),
            _ => Err("expected a hello line first".to_string()),
        },
        _ => Err("no hello within 5 s".to_string()),
    };
    if let Err(message) = ok {
        let _ = write_line(&mut wr, &refuse(message)).await;
        return;
    }
    let user = super::user_name(uid);
    let Some(w) = ask(&req, |reply| Request::Join {
        user: user.clone(),
        reply,
    })
    .await
    else {
        let _ = write_line(&mut wr, &refuse("the run is ending".into())).await;
        return;
    };
    let mut sub = w.rx;
    if write_line(&mut wr, &w.line).await.is_err() {
        let _ = req
            .send(Request::Left {
                user,
                detail: "connection lost".into(),
            })
            .await;
        return;
    }
    let detail: Option<String> = loop {
        tokio::select! {
            b = sub.recv() => match b {
                Ok(line) => {
                    if let Err(e) = write_line(&mut wr, &line).await {
                        break Some(format!("connection lost: {e}"));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => match resync(&req, &user, &mut wr).await {
                    Ok(rx) => sub = rx,
                    Err(why) => break why,
                },
                // the run ended: `ended` was the last line
                Err(broadcast::error::RecvError::Closed) => break None,
            },
            l = read_line(&mut rd, MAX_CLIENT_LINE) => {
                let line = match l {
                    Ok(Some(line)) => line,
                    Ok(None) => break Some(String::new()),
                    Err(e) => break Some(format!("connection lost: {e}")),
                };
                let reply = match serde_json::from_str::<ClientLine>(&line) {
                    Ok(ClientLine::Note { id, text, .. }) if text.chars().count() > MAX_NOTE => {
                        ServerLine::Refused { id: Some(id), message: format!("a note is at most {MAX_NOTE} characters") }
                    }
                    Ok(ClientLine::Note { id, .. }) if line.contains('\u{0}') => {
                        ServerLine::Refused { id: Some(id), message: "a note cannot hold a NUL".into() }
                    }
                    Ok(ClientLine::Note { id, kind, text }) => {
                        answer(&req, |reply| Request::Note { user: user.clone(), id, kind, text, reply }).await
                    }
                    Ok(ClientLine::Abort { id, detail }) => {
                        answer(&req, |reply| Request::Abort { user: user.clone(), id, detail, reply }).await
                    }
                    Ok(ClientLine::Resync) => match resync(&req, &user, &mut wr).await {
                        Ok(rx) => { sub = rx; continue; }
                        Err(why) => break why,
                    },
                    Ok(ClientLine::Hello { .. }) => continue,
                    Err(e) => ServerLine::Refused { id: None, message: format!("cannot read that line: {e}") },
                };
                if let Err(e) = write_line(&mut wr, &encode(&reply)).await {
                    break Some(format!("connection lost: {e}"));
                }
            }
        }
    };
    if let Some(detail) = detail {
        let _ = tokio::time::timeout(
            Duration::from_secs(1),
            req.send(Request::Left { user, detail }),
        )
        .await;
    }
}

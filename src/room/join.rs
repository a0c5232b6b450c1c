//! `gameday join RUN_DIR`: the second operator's side. It draws the driver's state (a
//! snapshot, then the driver's own engine messages replayed on it), sends notes and the
//! kill switch, and never arms, triggers or ends the run. Leaving, or losing the
//! connection, changes nothing in the run.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

use super::client::{ANSWER_WITHIN, EXIT_UNAVAILABLE};
use super::server::read_line;
use super::{encode, ClientLine, Intent, ServerLine, Ts};
use crate::engine::{self, Msg, State};
use crate::front::{Frames, Front, ProcessSignal, Signals, Typed};
use crate::journal::{NoteKind, Record, RunInfo, Verdict};
use crate::ui::{self, Action, App, Theme, View};

/// The driver's state as the joiner keeps it.
struct Follower {
    you: String,
    driver: String,
    info: RunInfo,
    state: State,
    driver_now: Ts,
    at: Instant,
}

impl Follower {
    /// The driver's clock, moved on by the time since its last word.
    fn now(&self) -> Ts {
        let since = chrono::Duration::from_std(self.at.elapsed()).unwrap_or_default();
        self.driver_now + since
    }

    fn view(&self) -> View<'_> {
        View {
            info: &self.info,
            state: &self.state,
            now: self.now(),
        }
    }

    fn at(&mut self, now: Ts) {
        self.driver_now = now;
        self.at = Instant::now();
    }
}

/// What the connection brought.
enum Incoming {
    Line(Box<ServerLine>),
    /// a line this joiner could not read: ask for a fresh snapshot
    Garbled(String),
    Closed(Option<String>),
}

/// Connects and reads the welcome: the exit code and the words to say when it fails.
async fn connect(
    run_dir: &Path,
) -> Result<
    (
        Follower,
        Vec<Record>,
        mpsc::Receiver<Incoming>,
        OwnedWriteHalf,
    ),
    (i32, String),
> {
    let opened = super::client::open(run_dir, Intent::Join, "join", ANSWER_WITHIN).await?;
    let (follower, records) = follower_of(opened.first)?;
    let rx = spawn_reader(opened.rd, run_dir.to_path_buf());
    Ok((follower, records, rx, opened.wr))
}

/// The driver's state from its welcome, or why the first line was not one.
fn follower_of(first: ServerLine) -> Result<(Follower, Vec<Record>), (i32, String)> {
    match first {
        ServerLine::Welcome {
            you,
            driver,
            info,
            state,
            records,
            now,
            ..
        } => Ok((
            Follower {
                you,
                driver,
                info: *info,
                state: *state,
                driver_now: now,
                at: Instant::now(),
            },
            records,
        )),
        _ => Err((
            EXIT_UNAVAILABLE,
            "the driver said something unexpected".into(),
        )),
    }
}

/// Reads the driver's lines on a task of their own, so a long line never holds up the
/// screen or the keys.
fn spawn_reader(
    mut rd: BufReader<OwnedReadHalf>,
    run_dir: std::path::PathBuf,
) -> mpsc::Receiver<Incoming> {
    let (tx, rx) = mpsc::channel(4096);
    tokio::spawn(async move {
        loop {
            let incoming = match read_line(&mut rd, super::max_server_line(&run_dir)).await {
                Ok(Some(line)) => match serde_json::from_str::<ServerLine>(&line) {
                    Ok(l) => Incoming::Line(Box::new(l)),
                    Err(e) => Incoming::Garbled(e.to_string()),
                },
                Ok(None) => Incoming::Closed(None),
                Err(e) => Incoming::Closed(Some(e.to_string())),
            };
            let closed = matches!(incoming, Incoming::Closed(_));
            if tx.send(incoming).await.is_err() || closed {
                return;
            }
        }
    });
    rx
}

/// The requests sent and not yet acknowledged, by id: what a lost connection loses.
#[derive(Default)]
struct Outbox {
    next: u64,
    pending: BTreeMap<u64, String>,
}

impl Outbox {
    async fn send(&mut self, wr: &mut OwnedWriteHalf, line: ClientLine) -> Result<u64, String> {
        let id = self.next;
        self.next += 1;
        let (line, what) = match line {
            ClientLine::Note { kind, text, .. } => (
                ClientLine::Note {
                    id,
                    kind,
                    text: text.clone(),
                },
                match kind {
                    NoteKind::Note => format!("note: {text}"),
                    NoteKind::Action => format!("action: {text}"),
                },
            ),
            ClientLine::Abort { detail, .. } => {
                (ClientLine::Abort { id, detail }, "kill switch".to_string())
            }
            ClientLine::Milestone { name, .. } => (
                ClientLine::Milestone {
                    id,
                    name: name.clone(),
                },
                format!("milestone `{name}`"),
            ),
            other => (other, String::new()),
        };
        self.pending.insert(id, what.clone());
        wr.write_all(encode(&line).as_bytes())
            .await
            .map_err(|e| format!("{what}: NOT SENT ({e})"))?;
        Ok(id)
    }
}

/// Joins the run in `run_dir`; returns the exit code.
pub async fn join(run_dir: &Path, front: Front) -> i32 {
    let (follower, records, rx, wr) = match connect(run_dir).await {
        Ok(x) => x,
        Err((code, message)) => {
            crate::tell!("gameday: {message}");
            return code;
        }
    };
    let mut outbox = Outbox::default();
    let code = match front {
        Front::Headless { verbose, .. } => {
            headless(follower, records, rx, wr, &mut outbox, verbose).await
        }
        Front::Tui { theme } => {
            let report = run_dir.join("report.md").display().to_string();
            tui(follower, records, rx, wr, &mut outbox, theme, report).await
        }
    };
    for what in outbox.pending.values() {
        crate::tell!("gameday: NOT CONFIRMED by the driver (the connection ended first): {what}");
    }
    code
}

/// What a server line means for the joiner's screen.
enum Seen {
    Records(Vec<Record>),
    Ack(String, u64),
    Refused(String),
    Ended(String, i32),
    Nothing,
}

fn apply(f: &mut Follower, outbox: &mut Outbox, line: ServerLine) -> Seen {
    match line {
        ServerLine::Step { now, msg, records } => {
            f.at(now);
            if let Some(m) = msg {
                // the driver's effects are the driver's: here only the state moves
                let _ = engine::update(&mut f.state, m, now);
            }
            Seen::Records(records)
        }
        ServerLine::Welcome {
            info,
            state,
            now,
            driver,
            ..
        } => {
            f.info = *info;
            f.state = *state;
            f.driver = driver;
            f.at(now);
            Seen::Nothing
        }
        ServerLine::Ack { id, seq } => {
            let what = outbox.pending.remove(&id).unwrap_or_default();
            Seen::Ack(what, seq)
        }
        ServerLine::Refused { id, message, .. } => {
            let what = id.and_then(|id| outbox.pending.remove(&id));
            Seen::Refused(match what {
                Some(what) => format!("{what}: refused: {message}"),
                None => message,
            })
        }
        // only a `status` connection is sent one
        ServerLine::Status { .. } => Seen::Nothing,
        ServerLine::Ended {
            exit_code,
            verdict,
            report,
            run_dir,
        } => {
            let verdict = verdict.map(Verdict::word).unwrap_or("NO VERDICT");
            let report =
                report.unwrap_or_else(|| format!("not written; `gameday report {run_dir}`"));
            Seen::Ended(
                format!("the run ended: {verdict} (exit code {exit_code}); report {report}"),
                exit_code,
            )
        }
    }
}

/// A line typed on standard input: `/abort [why]` or `X` pulls the kill switch,
/// `/milestone NAME` marks a milestone, `action: …` is an action item, anything else a
/// note.
fn typed(line: &str) -> Option<ClientLine> {
    let text = line.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(name) = crate::milestones::typed(text) {
        return Some(ClientLine::Milestone {
            id: 0,
            name: name.to_string(),
        });
    }
    if text == "X" || text == "/abort" || text.starts_with("/abort ") {
        let why = text.strip_prefix("/abort").unwrap_or("").trim();
        return Some(ClientLine::Abort {
            id: 0,
            detail: if why.is_empty() {
                "joiner".into()
            } else {
                why.into()
            },
        });
    }
    let (kind, text) = match text.strip_prefix("action:") {
        Some(rest) => (NoteKind::Action, rest.trim()),
        None => (NoteKind::Note, text),
    };
    Some(ClientLine::Note {
        id: 0,
        kind,
        text: text.to_string(),
    })
}

/// What the connection's next item asks of the joiner.
enum Next {
    Line(ServerLine),
    /// a line this joiner could not read: ask for a fresh snapshot
    Resync,
    Lost(Option<String>),
}

fn next(i: Option<Incoming>) -> Next {
    match i {
        Some(Incoming::Line(l)) => Next::Line(*l),
        Some(Incoming::Garbled(why)) => {
            tracing::warn!("unreadable line from the driver: {why}");
            Next::Resync
        }
        Some(Incoming::Closed(why)) => Next::Lost(why),
        None => Next::Lost(None),
    }
}

async fn resync(wr: &mut OwnedWriteHalf) {
    let _ = wr.write_all(encode(&ClientLine::Resync).as_bytes()).await;
}

fn lost_words(why: Option<String>) -> String {
    let why = why.map(|w| format!(" ({w})")).unwrap_or_default();
    format!("lost the connection to the driver{why}; the run goes on without you")
}

async fn headless(
    mut f: Follower,
    records: Vec<Record>,
    mut rx: mpsc::Receiver<Incoming>,
    mut wr: OwnedWriteHalf,
    outbox: &mut Outbox,
    verbose: bool,
) -> i32 {
    let mut narrator = crate::narrate::Narrator::new(verbose);
    // server text (names, notes, error bodies) is printed; none of it reaches the
    // terminal as control characters. A write that fails with EIO (the terminal went
    // away) or EPIPE (nobody reads the pipe any more) means the joiner left.
    let mut out = crate::text::Sanitized::new(Watched::new(std::io::stdout()));
    let _ = writeln!(
        out,
        "gameday: joined {} as {}; {} drives. Type a note and Enter; `action: …` for an \
         action item; `/milestone NAME` marks a milestone; `/abort` or `X` pulls the kill \
         switch",
        f.info.run_id, f.you, f.driver
    );
    for r in &records {
        for line in narrator.lines(r, Some(&f.info)) {
            let _ = writeln!(out, "{line}");
        }
    }
    let _ = out.flush();
    let mut stdin = crate::front::Typing::stdin();
    // a joiner leaves on any of them; the run goes on without it
    let mut signals = Signals::install();
    let stdout_tty = {
        use std::io::IsTerminal;
        std::io::stdout().is_terminal()
    };
    // with little to print, no failed write may tell that the terminal went away
    let mut watch = tokio::time::interval(Duration::from_secs(1));
    loop {
        if out.get_ref().gone {
            // nobody sees this joiner's screen any more: leave, freeing the seat
            return 0;
        }
        tokio::select! {
            _ = watch.tick() => {
                if stdout_tty && crate::front::stdout_hung_up() {
                    tracing::warn!("terminal lost: standard output hung up");
                    return 0;
                }
            }
            i = rx.recv() => {
                let line = match next(i) {
                    Next::Line(l) => l,
                    Next::Resync => { resync(&mut wr).await; continue; }
                    Next::Lost(why) => {
                        crate::tell!("gameday: {}", lost_words(why));
                        return EXIT_UNAVAILABLE;
                    }
                };
                match apply(&mut f, outbox, line) {
                    Seen::Records(rs) => {
                        for r in &rs {
                            for line in narrator.lines(r, Some(&f.info)) {
                                let _ = writeln!(out, "{line}");
                            }
                        }
                    }
                    Seen::Ack(what, seq) => {
                        let _ = writeln!(out, "gameday: saved in the driver's journal (#{seq}): {}", crate::text::visible(&what));
                    }
                    Seen::Refused(why) => {
                        let _ = writeln!(out, "gameday: {}", crate::text::visible(&why));
                    }
                    Seen::Ended(words, code) => {
                        for line in narrator.finish() {
                            let _ = writeln!(out, "{line}");
                        }
                        let _ = writeln!(out, "gameday: {}", crate::text::visible(&words));
                        let _ = out.flush();
                        return code;
                    }
                    Seen::Nothing => {}
                }
                let _ = out.flush();
            }
            l = stdin.next() => match l {
                Typed::Line(line) => {
                    if let Some(req) = typed(&line) {
                        if let Err(e) = outbox.send(&mut wr, req).await {
                            crate::tell!("gameday: {e}");
                        }
                    }
                }
                // the end of a pipe or /dev/null: no more notes; keep watching until
                // the run ends
                Typed::Ended => {}
                // a terminal's input ended: it went away (an SSH drop, a killed tmux
                // session; under `su` no SIGHUP comes), or Ctrl-D: the joiner left
                Typed::TerminalGone(why) => {
                    tracing::warn!("terminal lost: {why}");
                    return 0;
                }
            },
            _ = signals.next() => return 0,
        }
    }
}

/// Standard output, remembering whether its reader went away (see
/// [`crate::front::reader_gone`]).
struct Watched<W: Write> {
    inner: W,
    gone: bool,
}

impl<W: Write> Watched<W> {
    fn new(inner: W) -> Self {
        Watched { inner, gone: false }
    }

    fn note<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            self.gone |= crate::front::reader_gone(e, true);
        }
        r
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(bytes);
        self.note(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

/// What a key asked for, as the joiner may do it.
fn request_of(action: Msg) -> Option<ClientLine> {
    match action {
        Msg::Note { kind, text, .. } => Some(ClientLine::Note { id: 0, kind, text }),
        Msg::Abort { detail, .. } => Some(ClientLine::Abort { id: 0, detail }),
        Msg::Milestone { name, .. } => Some(ClientLine::Milestone { id: 0, name }),
        _ => None,
    }
}

async fn tui(
    mut f: Follower,
    records: Vec<Record>,
    mut rx: mpsc::Receiver<Incoming>,
    mut wr: OwnedWriteHalf,
    outbox: &mut Outbox,
    theme: Theme,
    report: String,
) -> i32 {
    use crate::terminal::{spawn_input_thread, Input, TerminalGuard};
    let mut app = App::new(f.you.clone(), theme);
    app.joined = Some(f.driver.clone());
    app.operators = vec![f.driver.clone()];
    app.absorb(&records);
    let guard = match TerminalGuard::enter() {
        Ok(g) => g,
        Err(e) => {
            crate::tell!("gameday: cannot use the terminal ({e}); join with --headless");
            return EXIT_UNAVAILABLE;
        }
    };
    let mut terminal = match crate::terminal::terminal() {
        Ok(t) => t,
        Err(e) => {
            drop(guard);
            crate::tell!("gameday: cannot draw on this terminal ({e}); join with --headless");
            return EXIT_UNAVAILABLE;
        }
    };
    let (in_tx, in_rx) = mpsc::channel(256);
    spawn_input_thread(in_tx);
    let mut in_rx = Some(in_rx);
    let mut signals = Signals::install();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut frames = Frames::default();
    let mut lost = false;
    // the words printed once the screen is gone, and the exit code
    let (words, code): (Option<String>, i32) = loop {
        tokio::select! {
            i = rx.recv() => {
                let line = match next(i) {
                    Next::Line(l) => l,
                    Next::Resync => { resync(&mut wr).await; continue; }
                    Next::Lost(why) => break (Some(lost_words(why)), EXIT_UNAVAILABLE),
                };
                let now = f.now();
                match apply(&mut f, outbox, line) {
                    Seen::Records(rs) => app.absorb(&rs),
                    Seen::Ack(what, seq) => app.flash(format!("saved in the journal (#{seq}): {what}"), now),
                    Seen::Refused(why) => app.flash(why, now),
                    Seen::Ended(words, code) => break (Some(words), code),
                    Seen::Nothing => {}
                }
                // the driver writes the report at DONE, before anyone quits: its path,
                // rather than "writing report…" until the driver leaves
                if f.state.is_done() && app.report_path.is_none() {
                    app.report_path = Some(report.clone());
                }
                frames.touch();
            }
            i = async {
                match in_rx.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => match i {
                Some(Input::Term(ratatui::crossterm::event::Event::Key(key))) => {
                    let mut leave = false;
                    for action in ui::keys::handle_key(&mut app, key, f.view()) {
                        match action {
                            Action::Send(m) => match request_of(m) {
                                Some(req) => {
                                    let sent = match &req {
                                        ClientLine::Abort { .. } => "kill switch sent…",
                                        ClientLine::Milestone { .. } => "milestone sent…",
                                        _ => "note sent…",
                                    };
                                    match outbox.send(&mut wr, req).await {
                                        Ok(_) => app.flash(sent, f.now()),
                                        Err(e) => app.flash(e, f.now()),
                                    }
                                }
                                None => app.flash(format!("only the driver ({}) can do that", f.driver), f.now()),
                            },
                            Action::Quit => leave = true,
                        }
                    }
                    if leave {
                        break (None, 0);
                    }
                    frames.touch();
                }
                Some(Input::Term(_)) => frames.touch(),
                Some(Input::Lost(_)) | None => {
                    lost = true;
                    break (None, 0);
                }
            },
            _ = tick.tick() => {
                // the terminal gone (no SIGHUP under su): leaving changes nothing in the run
                if crate::terminal::terminal_gone() {
                    lost = true;
                    break (None, 0);
                }
            }
            sig = signals.next() => {
                // SIGHUP: the terminal went with it
                lost = sig == ProcessSignal::Hup;
                break (None, 0);
            }
        }
        let second = f.now().timestamp();
        if frames.due(second) {
            if crate::terminal::draw_frame(&mut terminal, &app, f.view()).is_err() {
                in_rx = None;
                lost = true;
                break (None, 0);
            }
            frames.drawn(second);
        }
    };
    if lost {
        // restoring it would write to a terminal that is gone, and ratatui reports that
        // failure with a print that panics
        std::mem::forget(terminal);
    } else {
        drop(terminal);
    }
    drop(guard);
    if let Some(words) = words {
        crate::say!("gameday: {words}");
    }
    // what was being typed when the screen went is not thrown away either
    if let ui::Mode::Note { input, .. } = &app.mode {
        if !input.value().trim().is_empty() {
            crate::tell!(
                "gameday: NOT SENT (still being typed when the session ended): {}",
                input.value().trim()
            );
        }
    }
    let _ = in_rx;
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_asks_the_driver_only_for_what_a_joiner_may_do() {
        let m = request_of(Msg::Milestone {
            name: "mitigated".into(),
            author: "whoever the screen says".into(),
        });
        // the author is not sent: the driver takes it from the socket
        assert_eq!(
            m,
            Some(ClientLine::Milestone {
                id: 0,
                name: "mitigated".into()
            })
        );
        assert_eq!(request_of(Msg::Disarm { by: "bob".into() }), None);
    }

    #[test]
    fn typed_lines_become_notes_actions_or_the_kill_switch() {
        assert!(typed("   ").is_none());
        assert!(matches!(typed("X"), Some(ClientLine::Abort { .. })));
        assert!(
            matches!(typed("/abort p99 is on fire"), Some(ClientLine::Abort { detail, .. }) if detail == "p99 is on fire")
        );
        assert!(
            matches!(typed("action: page the DBA"), Some(ClientLine::Note { kind: NoteKind::Action, text, .. }) if text == "page the DBA")
        );
        assert!(matches!(
            typed("/abortion is a word"),
            Some(ClientLine::Note {
                kind: NoteKind::Note,
                ..
            })
        ));
        assert!(
            matches!(typed("/milestone mitigated"), Some(ClientLine::Milestone { name, .. }) if name == "mitigated")
        );
        assert!(matches!(
            typed("/milestones slip"),
            Some(ClientLine::Note { .. })
        ));
        assert!(matches!(
            typed("Xmas"),
            Some(ClientLine::Note {
                kind: NoteKind::Note,
                ..
            })
        ));
    }
}

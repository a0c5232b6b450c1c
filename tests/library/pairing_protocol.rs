//! The protocol of `control.sock`, spoken by hand: a joiner that replays the driver's
//! steps on the welcome snapshot holds exactly the driver's state; a note is acknowledged
//! only once it is in the journal file; a joiner speaking another protocol is refused.

use std::path::Path;
use std::time::Duration;

use gameday::engine::{self, State};
use gameday::room::server::Request;
use gameday::room::{ClientLine, Intent, ServerLine, PROTOCOL};
use gameday::runner::{next_request, RunOptions, Session};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

const SCENARIO: &str = r#"name: room-protocol
hypothesis: The joiner sees what the driver sees.
interval: 100ms
steady_state:
  - name: always zero
    command: echo 0
    expect: "< 1"
faults:
  - name: nothing
    duration: 2s
    exec:
      inject: "true"
      revert: "true"
phases:
  baseline: 30s
  recovery: 1s
"#;

async fn session(dir: &Path) -> (Session, tokio::sync::mpsc::Receiver<gameday::engine::Msg>) {
    let path = dir.join("room.yaml");
    std::fs::write(&path, SCENARIO).unwrap();
    let env = |_: &str| None;
    let s = gameday::scenario::parse::load(&path, &env).unwrap();
    let opts = RunOptions {
        out_dir: dir.join("runs"),
        operator: "driver".into(),
        mode: "headless".into(),
        demo: false,
    };
    Session::start(&s, &path, SCENARIO, &env, &opts)
        .await
        .unwrap()
}

async fn send(w: &mut tokio::net::unix::OwnedWriteHalf, line: &ClientLine) {
    w.write_all(gameday::room::encode(line).as_bytes())
        .await
        .unwrap();
}

/// Drives the session for `dur`: engine messages and joiners' requests, as a front does.
async fn drive(
    session: &mut Session,
    rx: &mut tokio::sync::mpsc::Receiver<gameday::engine::Msg>,
    room: &mut Option<tokio::sync::mpsc::Receiver<Request>>,
    dur: Duration,
) {
    let end = tokio::time::Instant::now() + dur;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(end) => return,
            m = rx.recv() => { session.handle(m.unwrap()); }
            _ = tick.tick() => { session.handle(gameday::engine::Msg::Tick); }
            r = next_request(room) => { session.serve(r.unwrap()); }
        }
    }
}

fn as_json(state: &State) -> serde_json::Value {
    serde_json::to_value(state).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joiner_replaying_the_steps_holds_the_drivers_state_and_notes_are_durable_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut session, mut rx) = session(tmp.path()).await;
    let mut room = session.take_room_requests();
    let sock = session.run_dir.join("control.sock");
    assert!(sock.exists());

    let stream = UnixStream::connect(&sock).await.unwrap();
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd).lines();
    send(
        &mut wr,
        &ClientLine::Hello {
            protocol: PROTOCOL,
            version: "test".into(),
            intent: Intent::Join,
        },
    )
    .await;
    // the joiner's lines, read while the driver drives
    let reader = tokio::spawn(async move {
        let mut lines = Vec::new();
        while let Ok(Ok(Some(l))) =
            tokio::time::timeout(Duration::from_secs(3), rd.next_line()).await
        {
            lines.push(serde_json::from_str::<ServerLine>(&l).unwrap());
        }
        lines
    });
    drive(&mut session, &mut rx, &mut room, Duration::from_millis(800)).await;
    send(
        &mut wr,
        &ClientLine::Note {
            id: 7,
            kind: gameday::journal::NoteKind::Note,
            text: "seen from the second seat".into(),
        },
    )
    .await;
    // the author is the peer's user name, whatever a client might claim
    drive(&mut session, &mut rx, &mut room, Duration::from_millis(800)).await;
    let journal = std::fs::read_to_string(session.run_dir.join("journal.jsonl")).unwrap();
    drop(wr);
    let lines = reader.await.unwrap();

    let mut lines = lines.into_iter();
    let Some(ServerLine::Welcome {
        protocol,
        mut state,
        records,
        driver,
        ..
    }) = lines.next()
    else {
        panic!("the first line is the welcome");
    };
    assert_eq!(protocol, PROTOCOL);
    assert_eq!(driver, "driver");
    assert!(records
        .iter()
        .any(|r| matches!(r.event, gameday::journal::Event::OperatorJoined { .. })));
    let mut steps = 0;
    let mut acked = None;
    for line in lines {
        match line {
            ServerLine::Step { now, msg, .. } => {
                if let Some(m) = msg {
                    engine::update(&mut state, m, now);
                    steps += 1;
                }
            }
            ServerLine::Ack { id, seq } => acked = Some((id, seq)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(steps > 10, "the joiner saw the driver's messages ({steps})");
    assert_eq!(
        as_json(&state),
        as_json(&session.state),
        "the joiner's replayed state is the driver's"
    );
    assert!(!state.signals[0].points.is_empty(), "samples were replayed");

    let (id, seq) = acked.expect("the note was acknowledged");
    assert_eq!(id, 7);
    let note = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["seq"] == seq)
        .expect("the acknowledged record is in the journal file");
    assert_eq!(note["type"], "note");
    assert_eq!(note["text"], "seen from the second seat");
    let me = nix::unistd::User::from_uid(nix::unistd::getuid())
        .unwrap()
        .unwrap()
        .name;
    assert_eq!(note["author"], me.as_str());
    let (_, code) = session.close().await;
    assert_eq!(code, 2, "ended before any fault: ABORTED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_protocol_is_refused_with_words_and_the_run_is_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut session, mut rx) = session(tmp.path()).await;
    let mut room = session.take_room_requests();
    let sock = session.run_dir.join("control.sock");
    let stream = UnixStream::connect(&sock).await.unwrap();
    let (rd, mut wr) = stream.into_split();
    send(
        &mut wr,
        &ClientLine::Hello {
            protocol: PROTOCOL + 1,
            version: "9.9.9".into(),
            intent: Intent::Join,
        },
    )
    .await;
    let reader = tokio::spawn(async move {
        let mut rd = BufReader::new(rd).lines();
        tokio::time::timeout(Duration::from_secs(3), rd.next_line())
            .await
            .unwrap()
            .unwrap()
    });
    drive(&mut session, &mut rx, &mut room, Duration::from_millis(300)).await;
    let line = reader.await.unwrap().expect("an answer");
    let ServerLine::Refused { message, .. } = serde_json::from_str(&line).unwrap() else {
        panic!("{line}");
    };
    assert!(message.contains("speaks protocol"), "{message}");
    assert!(message.contains("9.9.9"), "{message}");
    let journal = std::fs::read_to_string(session.run_dir.join("journal.jsonl")).unwrap();
    assert!(!journal.contains("operator_joined"), "{journal}");
    let run_dir = session.run_dir.clone();
    let _ = session.close().await;
    assert!(
        !run_dir.join("control.sock").exists(),
        "the socket is removed at the end"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joiners_milestone_is_acknowledged_once_durable_under_its_user_name_and_once_only() {
    let tmp = tempfile::tempdir().unwrap();
    let text = SCENARIO
        .replace("baseline: 30s", "baseline: 300ms")
        .replace("duration: 2s", "duration: 30s")
        + "milestones:\n  - name: detected\n    within: 5m\n  - mitigated\n";
    let path = tmp.path().join("room.yaml");
    std::fs::write(&path, &text).unwrap();
    let env = |_: &str| None;
    let s = gameday::scenario::parse::load(&path, &env).unwrap();
    let opts = RunOptions {
        out_dir: tmp.path().join("runs"),
        operator: "driver".into(),
        mode: "headless".into(),
        demo: false,
    };
    let (mut session, mut rx) = Session::start(&s, &path, &text, &env, &opts).await.unwrap();
    let mut room = session.take_room_requests();
    // a joiner that cannot read milestones is not seated in a run that has them
    let old = client(
        &session.run_dir.join("control.sock"),
        vec!["{\"type\":\"hello\",\"protocol\":1,\"version\":\"0.0.9\"}\n".into()],
    );
    drive(&mut session, &mut rx, &mut room, Duration::from_millis(300)).await;
    match old.await.unwrap().as_slice() {
        [ServerLine::Refused { message, .. }] => assert!(
            message.contains(
                "this run has milestones, which your gameday (0.0.9, protocol 1) cannot read"
            ),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    let stream = UnixStream::connect(session.run_dir.join("control.sock"))
        .await
        .unwrap();
    let (rd, mut wr) = stream.into_split();
    send(
        &mut wr,
        &ClientLine::Hello {
            protocol: PROTOCOL,
            version: "test".into(),
            intent: Intent::Join,
        },
    )
    .await;
    let reader = tokio::spawn(async move {
        let mut rd = BufReader::new(rd).lines();
        let mut lines = Vec::new();
        while let Ok(Ok(Some(l))) =
            tokio::time::timeout(Duration::from_secs(3), rd.next_line()).await
        {
            lines.push(serde_json::from_str::<ServerLine>(&l).unwrap());
        }
        lines
    });
    let milestone = |id: u64, name: &str| ClientLine::Milestone {
        id,
        name: name.into(),
    };
    drive(&mut session, &mut rx, &mut room, Duration::from_millis(600)).await;
    // nothing triggered yet: nothing to time
    send(&mut wr, &milestone(1, "detected")).await;
    drive(&mut session, &mut rx, &mut room, Duration::from_millis(300)).await;
    assert_eq!(session.state.phase, gameday::journal::Phase::Ready);
    session.handle(gameday::engine::Msg::Arm {
        by: "driver".into(),
        plan: vec![],
    });
    session.handle(gameday::engine::Msg::Trigger {
        by: "driver".into(),
        override_steady_state: false,
    });
    drive(&mut session, &mut rx, &mut room, Duration::from_millis(300)).await;
    send(&mut wr, &milestone(2, "detected")).await;
    drive(&mut session, &mut rx, &mut room, Duration::from_millis(300)).await;
    send(&mut wr, &milestone(3, "detected")).await;
    send(&mut wr, &milestone(4, "paged")).await;
    drive(&mut session, &mut rx, &mut room, Duration::from_millis(300)).await;
    let journal = std::fs::read_to_string(session.run_dir.join("journal.jsonl")).unwrap();
    drop(wr);
    let lines = reader.await.unwrap();

    let mut lines = lines.into_iter();
    let Some(ServerLine::Welcome { mut state, .. }) = lines.next() else {
        panic!("the first line is the welcome");
    };
    let mut acks = Vec::new();
    let mut refusals = Vec::new();
    for line in lines {
        match line {
            ServerLine::Step { now, msg, .. } => {
                if let Some(m) = msg {
                    engine::update(&mut state, m, now);
                }
            }
            ServerLine::Ack { id, seq } => acks.push((id, seq)),
            ServerLine::Refused { id, message, .. } => refusals.push((id, message)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(acks.len(), 1, "{acks:?} {refusals:?}");
    let (id, seq) = acks[0];
    assert_eq!(id, 2);
    let record = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["seq"] == seq)
        .expect("the acknowledged record is in the journal file");
    let me = nix::unistd::User::from_uid(nix::unistd::getuid())
        .unwrap()
        .unwrap()
        .name;
    assert_eq!(record["type"], "milestone");
    assert_eq!(record["name"], "detected");
    assert_eq!(
        record["author"],
        me.as_str(),
        "the author is the socket's peer"
    );
    assert_eq!(journal.matches(r#""type":"milestone""#).count(), 1);
    let refused: Vec<(Option<u64>, &str)> =
        refusals.iter().map(|(i, m)| (*i, m.as_str())).collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert_eq!(refused[0].0, Some(1));
    assert!(refused[0].1.contains("nothing has been triggered yet"));
    assert_eq!(refused[1].0, Some(3));
    assert!(
        refused[1].1.contains(&format!("marked already, by {me}")),
        "{refused:?}"
    );
    assert_eq!(refused[2].0, Some(4));
    assert!(refused[2].1.contains("no milestone `paged`"), "{refused:?}");
    // the joiner's replayed state holds the mark too
    assert_eq!(
        as_json(&state),
        as_json(&session.state),
        "the joiner's replayed state is the driver's"
    );
    assert_eq!(state.milestones[0].as_ref().unwrap().author, me);
    let _ = session.close().await;
}

/// Connects, sends `lines` (the first is the hello), and collects what the driver says
/// until it hangs up or is quiet for 2 s; runs on its own task while the test drives.
fn client(sock: &Path, lines: Vec<String>) -> tokio::task::JoinHandle<Vec<ServerLine>> {
    let sock = sock.to_path_buf();
    tokio::spawn(async move {
        let stream = UnixStream::connect(&sock).await.unwrap();
        let (rd, mut wr) = stream.into_split();
        let mut rd = BufReader::new(rd).lines();
        let mut got = Vec::new();
        let mut lines = lines.into_iter();
        if let Some(hello) = lines.next() {
            wr.write_all(hello.as_bytes()).await.unwrap();
        }
        // the rest once the first answer is in
        let mut rest = Some(lines);
        while let Ok(Ok(Some(l))) =
            tokio::time::timeout(Duration::from_secs(2), rd.next_line()).await
        {
            got.push(serde_json::from_str::<ServerLine>(&l).unwrap());
            if let Some(rest) = rest.take() {
                for line in rest {
                    wr.write_all(line.as_bytes()).await.unwrap();
                }
            }
        }
        got
    })
}

fn hello(protocol: u32, intent: Intent) -> String {
    gameday::room::encode(&ClientLine::Hello {
        protocol,
        version: "test".into(),
        intent,
    })
}

fn journal_types(run_dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(run_dir.join("journal.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .collect()
}

fn me() -> String {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .unwrap()
        .unwrap()
        .name
}

/// Issue 17: `gameday status` asks with a `status` hello: one answer (phase, time left,
/// who is in the room), nothing journaled, no seat; a protocol 1 joiner (no intent)
/// still joins; a user asking in a loop is limited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_query_names_the_room_and_journals_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut session, mut rx) = session(tmp.path()).await;
    let mut room = session.take_room_requests();
    let sock = session.run_dir.join("control.sock");
    // an old joiner's hello, byte for byte what protocol 1 sent
    let joiner = client(
        &sock,
        vec!["{\"type\":\"hello\",\"protocol\":1,\"version\":\"0.0.9\"}\n".into()],
    );
    drive(&mut session, &mut rx, &mut room, Duration::from_millis(500)).await;
    let asked = client(&sock, vec![hello(PROTOCOL, Intent::Status)]);
    drive(&mut session, &mut rx, &mut room, Duration::from_millis(500)).await;
    let answer = asked.await.unwrap();
    assert_eq!(
        answer.len(),
        1,
        "one line, then the driver hangs up: {answer:?}"
    );
    let ServerLine::Status { status } = &answer[0] else {
        panic!("{answer:?}");
    };
    assert_eq!(status.scenario, "room-protocol");
    assert_eq!(status.driver, "driver");
    assert_eq!(
        status.joiners,
        vec![me()],
        "the protocol 1 joiner is in the room"
    );
    assert_eq!(status.phase, gameday::journal::Phase::Baseline);
    let left = status.phase_ends.unwrap() - status.now;
    assert!(
        left > chrono::Duration::seconds(20) && left <= chrono::Duration::seconds(30),
        "{left:?} of the 30 s baseline left"
    );
    assert!(status.faults.is_empty(), "nothing armed yet");

    // a loop of queries: the burst, then refusals with words
    let mut refused = None;
    for _ in 0..12 {
        let asked = client(&sock, vec![hello(PROTOCOL, Intent::Status)]);
        drive(&mut session, &mut rx, &mut room, Duration::from_millis(30)).await;
        drop(asked);
    }
    let asked = client(&sock, vec![hello(PROTOCOL, Intent::Status)]);
    drive(&mut session, &mut rx, &mut room, Duration::from_millis(300)).await;
    if let Some(ServerLine::Refused { message, kind, .. }) = asked.await.unwrap().first() {
        refused = Some((message.clone(), *kind));
    }
    let (refused, kind) = refused.expect("the 14th query within a second is refused");
    assert!(refused.contains("asked too often"), "{refused}");
    // issue 17, finding 3: a refusal the client reads as "ask later", not "you may not"
    assert_eq!(kind, Some(gameday::room::Refusal::Busy));

    let journal = journal_types(&session.run_dir);
    let joined = journal
        .iter()
        .filter(|r| r["type"] == "operator_joined")
        .count();
    assert_eq!(joined, 1, "only the joiner joined: {journal:?}");
    drop(joiner);
    let _ = session.close().await;
}

/// Issue 17: `gameday abort` connects with an `abort` hello: the driver's state without
/// a join in the journal, notes refused, and its kill switch journaled with source
/// `command` under the peer's user name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abort_connection_pulls_the_kill_switch_without_joining() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut session, mut rx) = session(tmp.path()).await;
    let mut room = session.take_room_requests();
    let sock = session.run_dir.join("control.sock");
    let note = gameday::room::encode(&ClientLine::Note {
        id: 3,
        kind: gameday::journal::NoteKind::Note,
        text: "not from here".into(),
    });
    let abort = gameday::room::encode(&ClientLine::Abort {
        id: 4,
        detail: "from another shell".into(),
    });
    let c = client(&sock, vec![hello(PROTOCOL, Intent::Abort), note, abort]);
    drive(&mut session, &mut rx, &mut room, Duration::from_millis(800)).await;
    let run_dir = session.run_dir.clone();
    let (_, code) = session.close().await;
    assert_eq!(code, 2, "ABORTED");
    let lines = c.await.unwrap();
    assert!(
        matches!(lines.first(), Some(ServerLine::Welcome { .. })),
        "{lines:?}"
    );
    let refused = lines.iter().find_map(|l| match l {
        ServerLine::Refused {
            id: Some(3),
            message,
            ..
        } => Some(message.clone()),
        _ => None,
    });
    assert!(
        refused.is_some_and(|m| m.contains("only a joiner")),
        "{lines:?}"
    );
    let seq = lines
        .iter()
        .find_map(|l| match l {
            ServerLine::Ack { id: 4, seq } => Some(*seq),
            _ => None,
        })
        .expect("the abort was acknowledged");
    assert!(
        lines.iter().any(|l| matches!(l, ServerLine::Ended { .. })),
        "the abort connection is told the run ended"
    );
    let journal = journal_types(&run_dir);
    let abort = journal.iter().find(|r| r["seq"] == seq).unwrap();
    assert_eq!(abort["type"], "abort");
    assert_eq!(abort["source"], "command");
    assert_eq!(abort["by"], me().as_str());
    assert_eq!(abort["detail"], "from another shell");
    assert!(
        !journal
            .iter()
            .any(|r| r["type"] == "operator_joined" || r["type"] == "note"),
        "{journal:?}"
    );
}

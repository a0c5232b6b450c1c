//! Keeping the screen at each trigger and at the abort in the journal, for the report's
//! "Screens" section (see `ui::capture`).

use crate::journal::{Event, Record};
use crate::ui::capture::{moments, text, HEADLESS_SIZE};
use crate::ui::{App, Theme, View};

use super::Session;

/// Journals the screen for each trigger and abort among `records` (a step the front has
/// just handled and `app` has absorbed). Returns the records written.
pub fn keep(
    session: &mut Session,
    app: &App,
    records: &[Record],
    front: &str,
    (width, height): (u16, u16),
) -> Vec<Record> {
    let moments = moments(records);
    if moments.is_empty() || width == 0 || height == 0 {
        return Vec::new();
    }
    let view = View {
        info: &session.info,
        state: &session.state,
        now: session.now(),
    };
    let Some(screen) = text(app, view, width, height) else {
        return Vec::new();
    };
    moments
        .into_iter()
        .filter_map(|(moment, fault)| {
            session.journal_front_event(Event::Screen {
                moment,
                fault,
                front: front.to_string(),
                width,
                height,
                text: screen.clone(),
            })
        })
        .collect()
}

/// The headless front's screens: the TUI's view of the journal so far, as a fresh TUI
/// would have drawn it, on [`HEADLESS_SIZE`].
pub fn keep_headless(session: &mut Session, records: &[Record]) -> Vec<Record> {
    if moments(records).is_empty() {
        return Vec::new();
    }
    let mut app = App::new(
        session.info.operator.clone(),
        Theme {
            ascii: false,
            color: false,
        },
    );
    match crate::journal::read_journal(session.journal_path()) {
        Ok(all) => app.absorb(&all),
        Err(e) => {
            tracing::warn!("no screen for the report: {e}");
            return Vec::new();
        }
    }
    keep(session, &app, records, "headless", HEADLESS_SIZE)
}

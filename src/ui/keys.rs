//! Keys to actions.

use ratatui::crossterm::event::KeyEvent;

use super::{Action, App, View};

pub fn handle_key(app: &mut App, key: KeyEvent, view: View) -> Vec<Action> {
    let _ = (app, key, view);
    Vec::new()
}

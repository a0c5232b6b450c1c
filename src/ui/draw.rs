//! Drawing the whole screen from (App, View): a pure function.

use ratatui::Frame;

use super::{App, View};

pub fn draw(frame: &mut Frame, app: &App, view: View) {
    let _ = (frame, app, view);
}

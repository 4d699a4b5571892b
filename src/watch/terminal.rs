//! The terminal side of `watch`: keys (raw mode on a terminal, one key per line when stdin
//! is a pipe, whose end means quit) and drawing frames (clear and redraw on a terminal,
//! frames one after another otherwise; colour only where `anstream` allows it).

use std::io::{self, BufRead, IsTerminal, Write};
use std::sync::mpsc::Sender;
use std::thread;

use crossterm::event::{self, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::{cursor, queue, terminal};

use super::Event;

/// What the learner asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Hint,
    Next,
    List,
    Recheck,
    Quit,
}

/// What arrives from the keyboard side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Key(Key),
    /// The terminal changed size: draw again.
    Resized,
    /// Standard input ended (not a terminal): quit once the check in progress is done.
    Closed,
}

/// The key a character stands for.
pub fn key_for(c: char) -> Option<Key> {
    match c.to_ascii_lowercase() {
        'h' => Some(Key::Hint),
        'n' => Some(Key::Next),
        'l' => Some(Key::List),
        'r' => Some(Key::Recheck),
        'q' => Some(Key::Quit),
        _ => None,
    }
}

fn key_event(key: KeyEvent) -> Option<Key> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    match key.code {
        KeyCode::Char('c' | 'd') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            Some(Key::Quit)
        }
        KeyCode::Esc => Some(Key::Quit),
        KeyCode::Char(c) => key_for(c),
        _ => None,
    }
}

/// The screen `watch` draws on; restores the terminal when dropped.
pub struct Terminal {
    raw: bool,
    tty: bool,
    styled: bool,
    last: Vec<String>,
}

impl Terminal {
    /// Raw mode when stdin is a terminal (so single keys arrive), and a hidden cursor when
    /// stdout is one.
    pub fn open() -> io::Result<Self> {
        let raw = io::stdin().is_terminal();
        let tty = io::stdout().is_terminal();
        if raw {
            terminal::enable_raw_mode()?;
        }
        if tty {
            queue!(io::stdout(), cursor::Hide)?;
        }
        let styled = anstream::AutoStream::choice(&io::stdout()) != anstream::ColorChoice::Never;
        Ok(Self {
            raw,
            tty,
            styled,
            last: Vec::new(),
        })
    }

    /// Whether frames are redrawn in place (a terminal) rather than printed one after
    /// another.
    pub fn live(&self) -> bool {
        self.tty
    }

    /// Whether keys arrive as lines of text (stdin is not a terminal).
    pub fn reads_lines(&self) -> bool {
        !self.raw
    }

    pub fn styled(&self) -> bool {
        self.styled
    }

    /// Columns and rows to draw in; unbounded rows when output is not a terminal.
    pub fn size(&self) -> (usize, usize) {
        match terminal::size() {
            Ok((w, h)) if self.tty && w > 0 && h > 0 => (usize::from(w), usize::from(h)),
            _ => (100, usize::MAX),
        }
    }

    /// Sends what the keyboard does to `events`, from a thread of its own.
    pub fn listen(&self, events: Sender<Event>) {
        let raw = self.raw;
        thread::spawn(move || {
            if raw {
                while let Ok(happened) = event::read() {
                    let input = match happened {
                        event::Event::Key(key) => key_event(key).map(Input::Key),
                        event::Event::Resize(..) => Some(Input::Resized),
                        _ => None,
                    };
                    if let Some(input) = input
                        && events.send(Event::Input(input)).is_err()
                    {
                        return;
                    }
                }
            } else {
                for line in io::stdin().lock().lines().map_while(Result::ok) {
                    if let Some(key) = line.trim().chars().next().and_then(key_for)
                        && events.send(Event::Input(Input::Key(key))).is_err()
                    {
                        return;
                    }
                }
            }
            let _ = events.send(Event::Input(Input::Closed));
        });
    }

    /// Draws a frame: in place on a terminal; otherwise printed after the last one, and
    /// only when it differs from it.
    pub fn draw(&mut self, lines: &[String]) -> io::Result<()> {
        let lines: Vec<String> = if self.styled {
            lines.to_vec()
        } else {
            lines
                .iter()
                .map(|l| anstream::adapter::strip_str(l).to_string())
                .collect()
        };
        if !self.tty && lines == self.last {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        if self.tty {
            queue!(
                out,
                cursor::MoveTo(0, 0),
                terminal::Clear(terminal::ClearType::All)
            )?;
            write!(out, "{}", lines.join("\r\n"))?;
        } else {
            writeln!(out, "{}\n", lines.join("\n"))?;
        }
        out.flush()?;
        self.last = lines;
        Ok(())
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if self.raw {
            let _ = terminal::disable_raw_mode();
        }
        if self.tty {
            let mut out = io::stdout();
            let _ = queue!(out, cursor::Show);
            let _ = writeln!(out);
            let _ = out.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_control_keys_map_to_actions() {
        let press = |code, modifiers| key_event(KeyEvent::new(code, modifiers));
        assert_eq!(
            press(KeyCode::Char('h'), KeyModifiers::NONE),
            Some(Key::Hint)
        );
        assert_eq!(
            press(KeyCode::Char('N'), KeyModifiers::SHIFT),
            Some(Key::Next)
        );
        assert_eq!(
            press(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Key::Quit)
        );
        assert_eq!(press(KeyCode::Esc, KeyModifiers::NONE), Some(Key::Quit));
        assert_eq!(press(KeyCode::Char('x'), KeyModifiers::NONE), None);
        let mut release = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(key_event(release), None);
    }
}

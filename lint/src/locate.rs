//! Line and column of a JSON path in a file's text: the reader reports where each value starts,
//! in document order, and a walk of the tree in the same order names each value's path as
//! diagnostics write it (`Statement[1].Resource[0]`).

use ramjet_compiler::json::Json;
use ramjet_compiler::JsonPath;
use std::collections::HashMap;

/// A 1-based line and column; the column counts Unicode scalar values (SARIF
/// `unicodeCodePoints`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

impl Position {
    /// The start of the file.
    pub const START: Position = Position { line: 1, column: 1 };
}

/// Positions of every value of one document, by path.
#[derive(Debug, Default)]
pub struct Locator {
    positions: HashMap<String, Position>,
}

impl Locator {
    /// Indexes a document read with [`ramjet_compiler::json::read_with_offsets`].
    pub fn new(text: &[u8], json: &Json, offsets: &[usize]) -> Locator {
        let mut paths = Vec::with_capacity(offsets.len());
        walk(json, JsonPath::root(), &mut paths);
        let mut cursor = Cursor::default();
        let positions = paths
            .into_iter()
            .zip(offsets)
            .map(|(path, &offset)| (path.to_string(), cursor.advance(text, offset)))
            .collect();
        Locator { positions }
    }

    /// Where the value at `path` starts (a path as [`JsonPath`] displays it). A path that
    /// names no value (a member that is missing) falls back to its nearest named ancestor.
    pub fn position(&self, path: &str) -> Position {
        let mut path = path;
        loop {
            if let Some(position) = self.positions.get(path) {
                return *position;
            }
            match path.rfind(['.', '[']) {
                Some(cut) => path = path.get(..cut).unwrap_or_default(),
                None => {
                    return self
                        .positions
                        .get("(root)")
                        .copied()
                        .unwrap_or(Position::START)
                }
            }
        }
    }
}

fn walk(json: &Json, path: JsonPath, out: &mut Vec<JsonPath>) {
    out.push(path.clone());
    match json {
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, path.index(i), out);
            }
        }
        Json::Object(members) => {
            for (name, value) in members {
                walk(value, path.key(name), out);
            }
        }
        _ => {}
    }
}

/// Line and column of a byte offset, found by reading forward from the last offset asked: the
/// reader's offsets come in document order, so one pass over the text places them all.
#[derive(Default)]
struct Cursor {
    offset: usize,
    line: usize,
    column: usize,
}

impl Cursor {
    fn advance(&mut self, text: &[u8], offset: usize) -> Position {
        if offset < self.offset {
            *self = Cursor::default(); // not in order: start again (never for the reader's)
        }
        for &byte in text.get(self.offset..offset).unwrap_or_default() {
            if byte == b'\n' {
                self.line += 1;
                self.column = 0;
            } else if byte & 0xC0 != 0x80 {
                // Not a UTF-8 continuation byte: a new character.
                self.column += 1;
            }
        }
        self.offset = offset;
        Position {
            line: self.line + 1,
            column: self.column + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn paths_resolve_to_where_their_values_start() {
        let text = "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",\n     \"Action\": [\"é:x\", \"eas:*\"]}\n  ]\n}\n";
        let (json, offsets) = ramjet_compiler::json::read_with_offsets(text.as_bytes()).unwrap();
        let locator = Locator::new(text.as_bytes(), &json, &offsets);
        let expected = [
            ("(root)", 1, 1),
            ("Statement", 2, 16),
            ("Statement[0]", 3, 5),
            ("Statement[0].Effect", 3, 16),
            ("Statement[0].Action[0]", 4, 17),
            // After a two-byte character, columns count characters.
            ("Statement[0].Action[1]", 4, 24),
            // A missing member is placed at its statement.
            ("Statement[0].Resource", 3, 5),
        ];
        for (path, line, column) in expected {
            assert_eq!(locator.position(path), Position { line, column }, "{path}");
        }
    }
}

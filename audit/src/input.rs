//! Reading event files: JSON Lines, or a document (a JSON array of records, a LookupEvents
//! response, one pretty-printed record or several one after another), each optionally gzip-
//! compressed. Records are handed over in chunks, so memory stays bounded by the chunk, whatever
//! the file's size. A file is JSON Lines when its first line, or else its second, is a complete
//! JSON value.

use flate2::read::MultiGzDecoder;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

/// Items handed to the caller at a time.
pub const CHUNK_ITEMS: usize = 8192;

/// Where an item was found: a line (JSON Lines) or an element or value number (documents). In
/// reports, `"line": N` or `"record": N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    /// 1-based line of a JSON Lines file.
    Line(usize),
    /// 1-based index of a top-level record in a document.
    Record(usize),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Line(n) => write!(f, "line {n}"),
            Position::Record(n) => write!(f, "record {n}"),
        }
    }
}

/// One piece of input: the JSON text of a line or a document's record, or why it is unreadable.
#[derive(Debug)]
pub struct Item {
    /// Where it was.
    pub position: Position,
    /// Its bytes, or the error that made it unreadable.
    pub text: Result<Span, String>,
}

/// Bytes of the input: a range of a buffer shared by a whole chunk of lines (one allocation per
/// chunk rather than one per line).
#[derive(Debug, Clone)]
pub struct Span {
    buffer: Arc<Vec<u8>>,
    start: usize,
    end: usize,
}

impl Span {
    /// A span holding `text` alone.
    pub fn from_string(text: String) -> Span {
        let end = text.len();
        Span {
            buffer: Arc::new(text.into_bytes()),
            start: 0,
            end,
        }
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        self.buffer.get(self.start..self.end).unwrap_or_default()
    }
}

/// How a file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One record per line.
    JsonLines,
    /// A JSON array of records.
    Array,
    /// One or more JSON values (records, wrappers, LookupEvents responses).
    Values,
    /// Nothing but white space.
    Empty,
}

impl Shape {
    /// A name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::JsonLines => "jsonl",
            Shape::Array => "array",
            Shape::Values => "json",
            Shape::Empty => "empty",
        }
    }
}

/// What reading a file produced besides its items.
#[derive(Debug, Default)]
pub struct ReadSummary {
    /// White-space-only lines of a JSON Lines file (not events).
    pub blank_lines: usize,
}

fn open(path: &Path) -> std::io::Result<Box<dyn BufRead>> {
    let file = File::open(path)?;
    let gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    Ok(if gz {
        Box::new(BufReader::with_capacity(1 << 20, MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::with_capacity(1 << 20, file))
    })
}

/// Reads `path`, calling `sink` with chunks of at most [`CHUNK_ITEMS`] items, in order. An I/O
/// error opening the file is returned; one later (a truncated gzip stream) becomes a last
/// unreadable item.
pub fn read_file(
    path: &Path,
    sink: &mut dyn FnMut(Vec<Item>),
) -> std::io::Result<(Shape, ReadSummary)> {
    Ok(read_from(open(path)?, sink))
}

/// [`read_file`] on an open reader (already decompressed): the shape is detected the same way
/// and every piece of input becomes an item.
pub fn read_from(
    mut reader: Box<dyn BufRead>,
    sink: &mut dyn FnMut(Vec<Item>),
) -> (Shape, ReadSummary) {
    let mut summary = ReadSummary::default();
    // The first line decides the shape.
    let mut first = Vec::new();
    let mut line_number = 0usize;
    loop {
        first.clear();
        match reader.read_until(b'\n', &mut first) {
            Ok(0) => return (Shape::Empty, summary),
            Ok(_) => {}
            Err(e) => {
                sink(vec![Item {
                    position: Position::Line(line_number + 1),
                    text: Err(format!("read error: {e}")),
                }]);
                return (Shape::Empty, summary);
            }
        }
        line_number += 1;
        if first.iter().all(u8::is_ascii_whitespace) {
            summary.blank_lines += 1;
            continue;
        }
        break;
    }
    let trimmed = first.trim_ascii_start();
    if trimmed.starts_with(b"[") {
        let rest = std::io::Cursor::new(first.clone()).chain(reader);
        read_array(rest, sink);
        return (Shape::Array, summary);
    }
    let complete = |line: &[u8]| serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok();
    if complete(&first) {
        read_lines(
            vec![(line_number, first)],
            line_number,
            reader,
            &mut summary,
            sink,
        );
        return (Shape::JsonLines, summary);
    }
    // A first line that is not a whole value: the start of a pretty-printed document, or a
    // corrupt first line of JSON Lines — which the next line tells apart.
    let mut second = Vec::new();
    let mut blank_between = 0;
    loop {
        second.clear();
        match reader.read_until(b'\n', &mut second) {
            Ok(0) | Err(_) => break,
            Ok(_) if second.iter().all(u8::is_ascii_whitespace) => blank_between += 1,
            Ok(_) => break,
        }
    }
    if !second.is_empty() && complete(&second) {
        summary.blank_lines += blank_between;
        let second_number = line_number + blank_between + 1;
        read_lines(
            vec![(line_number, first), (second_number, second)],
            second_number,
            reader,
            &mut summary,
            sink,
        );
        return (Shape::JsonLines, summary);
    }
    let mut head = first;
    head.extend(std::iter::repeat_n(b'\n', blank_between));
    head.extend_from_slice(&second);
    let rest = std::io::Cursor::new(head).chain(reader);
    read_values(rest, sink);
    (Shape::Values, summary)
}

/// A line read into the current block: its position and byte range, or why it is unreadable.
type PendingLine = (Position, Result<(usize, usize), String>);

/// Reads JSON Lines after the `head` lines (numbered, already read) to the end, handing items
/// over `CHUNK_ITEMS` at a time. What the reader has buffered is copied into the chunk's block
/// whole and its lines found there (one copy per buffer, not one call per line).
fn read_lines(
    head: Vec<(usize, Vec<u8>)>,
    last_number: usize,
    mut reader: Box<dyn BufRead>,
    summary: &mut ReadSummary,
    sink: &mut dyn FnMut(Vec<Item>),
) {
    let mut lines = LineBlock::default();
    for (number, line) in head {
        let start = lines.block.len();
        lines.block.extend_from_slice(&line);
        lines
            .spans
            .push((Position::Line(number), Ok((start, lines.block.len()))));
    }
    lines.line_start = lines.block.len();
    let mut number = last_number;
    loop {
        let scanned = lines.block.len();
        let taken = match reader.fill_buf() {
            Ok([]) => break,
            Ok(bytes) => {
                lines.block.extend_from_slice(bytes);
                bytes.len()
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // The line being read when the input failed is not an item: its number is.
                lines.block.truncate(lines.line_start);
                lines.spans.push((
                    Position::Line(number + 1),
                    Err(format!("read error (truncated or corrupt file?): {e}")),
                ));
                lines.flush(sink);
                return;
            }
        };
        reader.consume(taken);
        let mut from = scanned;
        while let Some(newline) = lines
            .block
            .get(from..)
            .and_then(|b| memchr::memchr(b'\n', b))
        {
            let end = from + newline + 1;
            number += 1;
            lines.end_line(Position::Line(number), end, summary);
            if lines.spans.len() == CHUNK_ITEMS {
                lines.flush(sink);
            }
            from = lines.line_start;
        }
    }
    // A last line without a newline.
    if lines.line_start < lines.block.len() {
        number += 1;
        let end = lines.block.len();
        lines.end_line(Position::Line(number), end, summary);
    }
    lines.flush(sink);
}

/// Lines being gathered into one chunk: the bytes, the lines found so far, and where the line
/// being read starts.
struct LineBlock {
    block: Vec<u8>,
    spans: Vec<PendingLine>,
    line_start: usize,
}

impl Default for LineBlock {
    fn default() -> Self {
        LineBlock {
            block: Vec::with_capacity(4 << 20),
            spans: Vec::with_capacity(CHUNK_ITEMS),
            line_start: 0,
        }
    }
}

impl LineBlock {
    /// Ends the line that started at `line_start` before `end`: an item, or a blank line.
    fn end_line(&mut self, position: Position, end: usize, summary: &mut ReadSummary) {
        let line = self.block.get(self.line_start..end).unwrap_or_default();
        if line.iter().all(u8::is_ascii_whitespace) {
            summary.blank_lines += 1;
        } else {
            self.spans.push((position, Ok((self.line_start, end))));
        }
        self.line_start = end;
    }

    /// Hands the lines found so far over as a chunk; the line being read moves to a new block.
    fn flush(&mut self, sink: &mut dyn FnMut(Vec<Item>)) {
        if self.spans.is_empty() {
            return;
        }
        let mut next = Vec::with_capacity(4 << 20);
        next.extend_from_slice(self.block.get(self.line_start..).unwrap_or_default());
        self.block.truncate(self.line_start);
        self.line_start = 0;
        let buffer = Arc::new(std::mem::replace(&mut self.block, next));
        let items = self
            .spans
            .drain(..)
            .map(|(position, range)| Item {
                position,
                text: range.map(|(start, end)| Span {
                    buffer: buffer.clone(),
                    start,
                    end,
                }),
            })
            .collect();
        sink(items);
    }
}

/// Streams the elements of a top-level array, `CHUNK_ITEMS` at a time.
struct Elements<'s> {
    sink: &'s mut dyn FnMut(Vec<Item>),
    count: usize,
}

impl<'de> DeserializeSeed<'de> for &mut Elements<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for &mut Elements<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut chunk = Vec::with_capacity(CHUNK_ITEMS);
        let result = loop {
            match seq.next_element::<Box<RawValue>>() {
                Ok(Some(value)) => {
                    self.count += 1;
                    chunk.push(Item {
                        position: Position::Record(self.count),
                        text: Ok(Span::from_string(value.get().to_string())),
                    });
                    if chunk.len() == CHUNK_ITEMS {
                        (self.sink)(std::mem::replace(
                            &mut chunk,
                            Vec::with_capacity(CHUNK_ITEMS),
                        ));
                    }
                }
                Ok(None) => break Ok(()),
                // Hand over what was read before the fault; the caller reports the fault.
                Err(e) => break Err(e),
            }
        };
        if !chunk.is_empty() {
            (self.sink)(chunk);
        }
        result
    }
}

fn read_array(reader: impl Read, sink: &mut dyn FnMut(Vec<Item>)) {
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    let mut elements = Elements { sink, count: 0 };
    let result = (&mut elements)
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    if let Err(e) = result {
        let position = Position::Record(elements.count + 1);
        (elements.sink)(vec![Item {
            position,
            text: Err(format!("the array cannot be read past here: {e}")),
        }]);
    }
}

fn read_values(reader: impl Read, sink: &mut dyn FnMut(Vec<Item>)) {
    let stream = serde_json::Deserializer::from_reader(reader).into_iter::<Box<RawValue>>();
    let mut chunk = Vec::new();
    let mut count = 0;
    for value in stream {
        count += 1;
        match value {
            Ok(value) => chunk.push(Item {
                position: Position::Record(count),
                text: Ok(Span::from_string(value.get().to_string())),
            }),
            Err(e) => {
                chunk.push(Item {
                    position: Position::Record(count),
                    text: Err(format!("cannot be read past here: {e}")),
                });
                break;
            }
        }
        if chunk.len() == CHUNK_ITEMS {
            sink(std::mem::take(&mut chunk));
        }
    }
    if !chunk.is_empty() {
        sink(chunk);
    }
}

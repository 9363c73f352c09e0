//! Requests from the rows of an Arrow record batch (interfaces.md, `check_batch`): either a
//! column `request` of whole request lines, or columns `action`, `resource` (strings),
//! `principal` (a struct of the request principal's fields), `context` (a JSON object as a
//! string) and `resource_group` (a string). Each row becomes the JSON text of a `ramjet eval`
//! line, read by `eval`'s reader, so a row that cannot be read gets `eval`'s message.
//!
//! A column of the wrong type fails the whole batch with its name and type; a null is an absent
//! member (so a null `action` is the row's error "missing", as in `eval`).

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StructArray};
use arrow::datatypes::DataType;
use serde_json::Value;

/// The string values of a column, whatever its string layout.
enum Strings<'a> {
    Utf8(&'a arrow::array::StringArray),
    Large(&'a arrow::array::LargeStringArray),
    View(&'a arrow::array::StringViewArray),
}

impl<'a> Strings<'a> {
    fn of(name: &str, column: &'a ArrayRef) -> Result<Strings<'a>, String> {
        match column.data_type() {
            DataType::Utf8 => Ok(Strings::Utf8(column.as_string::<i32>())),
            DataType::LargeUtf8 => Ok(Strings::Large(column.as_string::<i64>())),
            DataType::Utf8View => Ok(Strings::View(column.as_string_view())),
            other => Err(format!(
                "column {name}: expected strings (utf8, large_utf8 or utf8_view), got {other}"
            )),
        }
    }

    fn get(&self, row: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => a.is_valid(row).then(|| a.value(row)),
            Strings::Large(a) => a.is_valid(row).then(|| a.value(row)),
            Strings::View(a) => a.is_valid(row).then(|| a.value(row)),
        }
    }
}

/// The principal struct's fields, by the names a request line uses.
struct PrincipalColumns<'a> {
    structs: &'a StructArray,
    strings: Vec<(&'static str, Strings<'a>)>,
    management: Option<&'a BooleanArray>,
}

const PRINCIPAL_STRINGS: [&str; 7] = [
    "type", "account", "name", "session", "service", "provider", "id",
];

impl<'a> PrincipalColumns<'a> {
    fn of(column: &'a ArrayRef) -> Result<PrincipalColumns<'a>, String> {
        let DataType::Struct(fields) = column.data_type() else {
            return Err(format!(
                "column principal: expected a struct of the principal's fields, got {}",
                column.data_type()
            ));
        };
        let structs = column.as_struct();
        let mut strings = Vec::new();
        let mut management = None;
        for (i, field) in fields.iter().enumerate() {
            let name = field.name().as_str();
            let child = structs.column(i);
            if name == "management_account" {
                management = Some(child.as_boolean_opt().ok_or_else(|| {
                    format!(
                        "column principal.management_account: expected booleans, got {}",
                        child.data_type()
                    )
                })?);
            } else if let Some(known) = PRINCIPAL_STRINGS.iter().find(|k| **k == name) {
                strings.push((*known, Strings::of(&format!("principal.{name}"), child)?));
            } else {
                return Err(format!(
                    "column principal: unknown field {name:?} (a principal has {}, management_account)",
                    PRINCIPAL_STRINGS.join(", ")
                ));
            }
        }
        Ok(PrincipalColumns {
            structs,
            strings,
            management,
        })
    }

    fn get(&self, row: usize) -> Option<Value> {
        if self.structs.is_null(row) {
            return None;
        }
        let mut object = serde_json::Map::new();
        for (name, column) in &self.strings {
            if let Some(value) = column.get(row) {
                object.insert((*name).to_string(), Value::from(value));
            }
        }
        if let Some(flags) = self.management.filter(|f| f.is_valid(row)) {
            object.insert(
                "management_account".to_string(),
                Value::from(flags.value(row)),
            );
        }
        Some(Value::Object(object))
    }
}

/// How a batch's rows are read.
pub struct Rows<'a>(Layout<'a>);

enum Layout<'a> {
    /// A column `request` of whole request lines.
    Lines(Strings<'a>),
    /// One column per member.
    Members {
        action: Option<Strings<'a>>,
        resource: Option<Strings<'a>>,
        principal: Option<PrincipalColumns<'a>>,
        context: Option<Strings<'a>>,
        resource_group: Option<Strings<'a>>,
    },
}

impl<'a> Rows<'a> {
    /// The row reader of `batch`, or what is wrong with its columns.
    pub fn of(batch: &'a RecordBatch) -> Result<Rows<'a>, String> {
        let column = |name: &str| batch.column_by_name(name);
        if let Some(lines) = column("request") {
            return Ok(Rows(Layout::Lines(Strings::of("request", lines)?)));
        }
        let strings = |name: &str| column(name).map(|c| Strings::of(name, c)).transpose();
        let layout = Layout::Members {
            action: strings("action")?,
            resource: strings("resource")?,
            principal: column("principal").map(PrincipalColumns::of).transpose()?,
            context: strings("context")?,
            resource_group: strings("resource_group")?,
        };
        if let Layout::Members {
            action: None,
            resource: None,
            ..
        } = layout
        {
            let names: Vec<&str> = batch
                .schema_ref()
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            return Err(format!(
                "no column action, resource or request (the batch has {})",
                if names.is_empty() {
                    "no columns".to_string()
                } else {
                    names.join(", ")
                }
            ));
        }
        Ok(Rows(layout))
    }

    /// Row `row` as the JSON text of a request line, or why it is not one.
    pub fn line(&self, row: usize) -> Result<String, String> {
        match &self.0 {
            Layout::Lines(lines) => lines
                .get(row)
                .map(str::to_string)
                .ok_or_else(|| "request: null".to_string()),
            Layout::Members {
                action,
                resource,
                principal,
                context,
                resource_group,
            } => {
                let mut text = String::from("{");
                let mut member = |name: &str, json: &str| {
                    if text.len() > 1 {
                        text.push(',');
                    }
                    text.push_str(&Value::from(name).to_string());
                    text.push(':');
                    text.push_str(json);
                };
                let string = |column: &Option<Strings>| {
                    column
                        .as_ref()
                        .and_then(|c| c.get(row))
                        .map(|s| Value::from(s).to_string())
                };
                if let Some(json) = string(action) {
                    member("action", &json);
                }
                if let Some(json) = string(resource) {
                    member("resource", &json);
                }
                if let Some(json) = principal.as_ref().and_then(|p| p.get(row)) {
                    member("principal", &json.to_string());
                }
                if let Some(raw) = context.as_ref().and_then(|c| c.get(row)) {
                    // Checked as JSON first, so a syntax error names the column, not a position
                    // in the assembled line; then read exactly (duplicate members, numbers as
                    // written) with the rest of the line.
                    serde_json::from_str::<Value>(raw)
                        .map_err(|e| format!("context: not JSON: {e}"))?;
                    member("context", raw);
                }
                if let Some(json) = string(resource_group) {
                    member("resource_group", &json);
                }
                text.push('}');
                Ok(text)
            }
        }
    }
}

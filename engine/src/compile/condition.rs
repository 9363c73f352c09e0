//! Condition tests compiled (spec §4): the key interned, the policy values prepared for the
//! operator (lowercased for `IgnoreCase`, globs shared through the [`Interner`]).

use super::{CompileError, Interner};
use crate::condition::{lowercase_chars, CompiledCondition, Values};
use crate::model::{ConditionTest, ConditionValues, TestKind};

/// Compiles a model condition, interning its key and its globs in `interner`.
pub(crate) fn compile_condition(
    test: &ConditionTest,
    interner: &mut Interner,
) -> Result<CompiledCondition, CompileError> {
    use TestKind::*;
    let values = match (&test.values, test.operator.test) {
        (ConditionValues::Strings(v), StringEqualsIgnoreCase | StringNotEqualsIgnoreCase) => {
            Values::Lowered(
                v.iter()
                    .map(|s| lowercase_chars(s).collect::<String>().into())
                    .collect(),
            )
        }
        (ConditionValues::Strings(v), StringLike | StringNotLike) => {
            Values::Globs(v.iter().map(|s| interner.glob(s)).collect())
        }
        (ConditionValues::Strings(v), _) => {
            Values::Exact(v.iter().map(|s| s.as_str().into()).collect())
        }
        (ConditionValues::Numbers(v), _) => Values::Numbers(v.clone().into()),
        (ConditionValues::Instants(v), _) => Values::Instants(v.clone().into()),
        (ConditionValues::Bools(v), _) => Values::Bools(v.clone().into()),
        (ConditionValues::Networks(v), _) => Values::Networks(v.clone().into()),
    };
    Ok(CompiledCondition {
        key: interner.intern_key(&test.key)?,
        key_text: test.key.to_ascii_lowercase().into(),
        test: test.operator.test,
        quantifier: test.operator.quantifier,
        if_exists: test.operator.if_exists,
        values,
    })
}

//! [`StatementId`]: a statement's place in its compiled policy index.

/// A statement's position in the [`PolicyIndex`](crate::index::PolicyIndex) that holds it. Only
/// the index builder (`compile::unit`) issues ids, one per statement it compiles, so an id read
/// from an index's candidate lists always names a statement of that index; the runtime still
/// looks statements up with a checked accessor, and a broken invariant is an internal error that
/// denies (see `evaluate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub(crate) struct StatementId(u32);

impl StatementId {
    /// The id of the statement at `position`; `None` past `u32::MAX` (the builder reports that
    /// as [`CompileError::TooLarge`](crate::CompileError::TooLarge)).
    pub(crate) fn new(position: usize) -> Option<Self> {
        u32::try_from(position).ok().map(StatementId)
    }

    /// The position, for indexing the index's tables.
    #[inline]
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }

    /// The id as a sort key.
    #[inline]
    pub(crate) fn as_u32(self) -> u32 {
        self.0
    }
}

//! Texts behind one thin pointer: a field that most of 100,000 records leave empty, or that
//! every one of them shares, costs 8 bytes a record rather than a `Box<str>`'s or an
//! `Arc<str>`'s 16.

use std::sync::Arc;

use serde::Serialize;

/// A text behind one thin pointer to a `String` (`P`: a `Box` or an `Arc` of one): a field
/// that most rows leave empty, or that every one of 100,000 rows holds, costs 8 bytes a row
/// rather than a `Box<str>`'s 16.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Thin<P>(P);

/// A row's own text (its key, its error).
// The box is the point: a thin pointer, where `String` or `Box<str>` is two or three words.
#[allow(clippy::box_collection)]
pub type ThinText = Thin<Box<String>>;

/// A text many rows may show, shared between them: the same warning for every row of an owner
/// nobody can assign is held once, not once per row (100,000 rows of ~190-byte warnings were
/// 25 MB).
// A thin pointer (`Arc<String>`), not `Arc<str>`'s two words: most rows have no warning.
#[allow(clippy::rc_buffer)]
pub type SharedText = Thin<Arc<String>>;

impl<P: std::ops::Deref<Target = String>> std::ops::Deref for Thin<P> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<P: std::ops::Deref<Target = String>> std::borrow::Borrow<str> for Thin<P> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl<P: From<String>> From<String> for Thin<P> {
    fn from(text: String) -> Self {
        Thin(P::from(text))
    }
}

impl<P: From<String>> From<&str> for Thin<P> {
    fn from(text: &str) -> Self {
        Thin(P::from(text.to_owned()))
    }
}

impl<P: From<String>> From<Box<str>> for Thin<P> {
    fn from(text: Box<str>) -> Self {
        Thin(P::from(text.into_string()))
    }
}

impl<P: std::ops::Deref<Target = String>> std::fmt::Debug for Thin<P> {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0.as_str(), out)
    }
}

impl<P: std::ops::Deref<Target = String>> std::fmt::Display for Thin<P> {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        out.write_str(&self.0)
    }
}

impl<P: std::ops::Deref<Target = String>> Serialize for Thin<P> {
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(&self.0)
    }
}

impl<'de, P: From<String>> serde::Deserialize<'de> for Thin<P> {
    fn deserialize<D: serde::Deserializer<'de>>(input: D) -> Result<Self, D::Error> {
        String::deserialize(input).map(Thin::from)
    }
}

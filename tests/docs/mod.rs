//! The user documentation: the README and the book under `docs/`.

mod links;

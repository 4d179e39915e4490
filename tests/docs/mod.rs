//! The user documentation: the README and the book under `docs/`.

mod config_reference;
mod links;

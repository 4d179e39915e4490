//! The one integration-test binary: each module is one area of behaviour.

mod report_engine;
mod support;
